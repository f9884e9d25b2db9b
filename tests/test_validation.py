"""Names, tags, digests and manifests: what is accepted before anything is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fixtures.content import images
from refregistry.errors import Code, RegistryError
from refregistry.mediatypes import DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, SCHEMA1
from refregistry.validation import (
    MAX_JSON_DEPTH,
    JsonInvalid,
    check_digest,
    check_lookup,
    check_name,
    check_tag,
    labels_of,
    load_json,
    media_type_of,
    parse_manifest,
)

HEX = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "name", ["app", "0", "team/app", "a.b", "a_b", "a__b", "a---b", "a-b/c.d/e__f/g", "x" * 255, "a/" * 127 + "a"]
)
def test_name_accepted(name: str) -> None:
    """Names following the distribution spec's grammar, up to 255 characters, pass."""
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "App",
        "a..b",
        "a___b",
        "/app",
        "app/",
        "a//b",
        ".app",
        "-app",
        "_app",
        "a:b",
        "x" * 256,
        "app\n",
    ],
)
def test_name_refused(name: str) -> None:
    """Uppercase, doubled or leading separators and over-long names are NAME_INVALID."""
    with pytest.raises(RegistryError, match=r"^NAME_INVALID: invalid repository name"):
        check_name(name)


@pytest.mark.parametrize("tag", ["latest", "v1.0.0", "V1", "_x", "1-2_3.4", "a" * 128, "A" + "-" * 127])
def test_tag_accepted(tag: str) -> None:
    """Tags of up to 128 characters starting with a word character pass."""
    assert check_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", ".hidden", "-dash", "a" * 129, "a/b", "a:b", "a b", "v1\n"])
def test_tag_refused(tag: str) -> None:
    """A 129th character, a leading '.' or '-', and separators are TAG_INVALID."""
    with pytest.raises(RegistryError, match=r"^TAG_INVALID: invalid tag"):
        check_tag(tag)


def test_digest_accepted() -> None:
    """A sha256 digest of 64 lowercase hex digits passes."""
    assert check_digest(f"sha256:{HEX}") == f"sha256:{HEX}"


@pytest.mark.parametrize(
    "digest",
    [
        f"sha512:{HEX}{HEX}",
        f"sha256:{HEX[:-1]}",
        f"sha256:{HEX}0",
        f"sha256:{HEX.upper()}",
        f"sha256:{'g' * 64}",
        f"SHA256:{HEX}",
        HEX,
        "sha256:",
        "",
        f"sha256:{HEX}\n",
    ],
)
def test_digest_refused(digest: str) -> None:
    """Other algorithms (sha512 included) and malformed hex are DIGEST_INVALID."""
    with pytest.raises(RegistryError, match=r"^DIGEST_INVALID: invalid or unsupported digest"):
        check_digest(digest)


@pytest.mark.parametrize("code", [Code.BLOB_UNKNOWN, Code.MANIFEST_UNKNOWN])
def test_a_well_formed_sha512_digest_names_absent_content(code: Code) -> None:
    """A lookup by sha512 is of content refregistry cannot hold: the caller's not-found code, never a 400."""
    with pytest.raises(RegistryError) as raised:
        check_lookup(f"sha512:{HEX}{HEX}", code)
    assert (raised.value.code, raised.value.status) == (code, 404)
    assert check_lookup(f"sha256:{HEX}", code) == f"sha256:{HEX}"
    with pytest.raises(RegistryError, match=r"^DIGEST_INVALID"):
        check_lookup(f"sha512:{HEX}", code)


DOCKER_IMAGE = images.image("v", layers=2)
OCI_IMAGE = images.image("o", oci=True)
ARM = images.image("arm", platform="linux/arm64/v8")


@pytest.mark.parametrize(("image", "media"), [(DOCKER_IMAGE, DOCKER_MANIFEST), (OCI_IMAGE, OCI_MANIFEST)])
def test_parse_image_manifest(image: images.Image, media: str) -> None:
    """An image manifest yields its config then its layers, in order, with sizes."""
    parsed = parse_manifest(image.manifest.data, media)
    assert parsed.media_type == media
    assert [(r.child, r.size, r.media_type) for r in parsed.refs] == [
        (b.digest, len(b.data), b.media_type) for b in image.blobs
    ]
    assert [r.kind for r in parsed.refs] == ["config"] + ["layer"] * len(image.layers)
    assert parsed.config_digest == image.config.digest
    assert parsed.artifact_type == image.config.media_type
    assert parsed.subject is None


@pytest.mark.parametrize(("oci", "media"), [(False, DOCKER_LIST), (True, OCI_INDEX)])
def test_parse_list(oci: bool, media: str) -> None:
    """A docker list or OCI index yields one manifest reference per platform."""
    top = images.index([DOCKER_IMAGE, ARM], oci=oci, annotations={"a": "b"})
    parsed = parse_manifest(top.manifest.data, f"{media}; charset=utf-8")
    assert parsed.media_type == media
    assert [(r.child, r.kind) for r in parsed.refs] == [(DOCKER_IMAGE.digest, "manifest"), (ARM.digest, "manifest")]
    assert [json.loads(str(r.platform)) for r in parsed.refs] == [DOCKER_IMAGE.platform, ARM.platform]
    assert parsed.config_digest is None
    assert parsed.annotations == {"a": "b"}


def test_parse_artifact() -> None:
    """An OCI 1.1 artifact carries its subject and its artifactType (not the config's media type)."""
    sig = images.artifact(OCI_IMAGE, "application/vnd.example.sig", b"signed", annotations={"k": "v"})
    parsed = parse_manifest(sig.manifest.data, OCI_MANIFEST)
    assert parsed.subject == OCI_IMAGE.digest
    assert parsed.artifact_type == "application/vnd.example.sig"
    assert parsed.annotations == {"k": "v"}
    assert [r.kind for r in parsed.refs] == ["config", "layer"]


def test_parse_schema1() -> None:
    """A schema1 manifest yields each distinct blobSum once, of unknown size."""
    a, b = (f"sha256:{c * 64}" for c in "ab")
    doc = {"schemaVersion": 1, "name": "app", "tag": "v1", "fsLayers": [{"blobSum": a}, {"blobSum": b}, {"blobSum": a}]}
    for content_type, media in [(None, SCHEMA1[0]), (SCHEMA1[1], SCHEMA1[1])]:
        parsed = parse_manifest(json.dumps(doc).encode(), content_type)
        assert parsed.media_type == media
        assert [(r.child, r.size) for r in parsed.refs] == [(a, -1), (b, -1)]


@pytest.mark.parametrize(
    ("doc", "content_type", "media"),
    [
        ({"mediaType": OCI_INDEX}, "application/json", OCI_INDEX),
        ({}, f"{DOCKER_MANIFEST} ; q=1", DOCKER_MANIFEST),
        ({"config": {}}, None, OCI_MANIFEST),
        ({"manifests": []}, "application/octet-stream", OCI_INDEX),
        ({"schemaVersion": 1}, None, SCHEMA1[0]),
    ],
)
def test_media_type_of(doc: dict[str, Any], content_type: str | None, media: str) -> None:
    """The declared mediaType wins, then a manifest Content-Type, then the document's shape."""
    assert media_type_of(doc, content_type) == media


def docker(change: Callable[[dict[str, Any]], object]) -> bytes:
    """The docker image manifest with one change applied."""
    doc = json.loads(DOCKER_IMAGE.manifest.data)
    change(doc)
    return json.dumps(doc).encode()


def index(change: Callable[[dict[str, Any]], object]) -> bytes:
    doc = json.loads(images.index([DOCKER_IMAGE]).manifest.data)
    change(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("body", "content_type", "why"),
    [
        (b"not json", DOCKER_MANIFEST, "body is not JSON"),
        (b"\xff\xfe{", DOCKER_MANIFEST, "body is not JSON"),
        (b"[]", DOCKER_MANIFEST, "body is not a JSON object"),
        (docker(lambda d: d.update(schemaVersion=3)), DOCKER_MANIFEST, "schemaVersion must be 2"),
        (docker(lambda d: d.pop("config")), DOCKER_MANIFEST, "config is not a descriptor object"),
        (docker(lambda d: d.pop("layers")), DOCKER_MANIFEST, "layers must be a list"),
        (docker(lambda d: d["config"].update(digest="sha256:abc")), None, r"config\.digest .* not a sha256 digest"),
        (docker(lambda d: d["layers"][1].update(digest=f"sha512:{HEX}{HEX}")), None, r"layers\[1\]\.digest"),
        (docker(lambda d: d["layers"][0].update(size=-1)), None, r"layers\[0\]\.size must be a non-negative"),
        (docker(lambda d: d["layers"][0].update(size="12")), None, r"layers\[0\]\.size must be a non-negative"),
        (docker(lambda d: d["config"].update(size=True)), None, r"config\.size must be a non-negative"),
        (docker(lambda d: d["layers"][0].update(size=2**63)), None, r"layers\[0\]\.size .* below 2\^63"),
        (index(lambda d: d["manifests"][0].update(size=2**64)), None, r"manifests\[0\]\.size .* below 2\^63"),
        (docker(lambda d: d.update(annotations={"a": "\ud800"})), None, "not Unicode text"),
        (b'{"a": ' + b"[" * 64 + b"]" * 64 + b"}", None, "nests deeper than 64 levels"),
        (docker(lambda d: d["config"].pop("mediaType")), None, r"config\.mediaType is required"),
        (docker(lambda d: d.update(subject={"digest": "x"})), None, r"subject\.digest"),
        (docker(lambda d: d.update(annotations=["a"])), None, "annotations must be an object"),
        (docker(lambda d: d.update(artifactType=1)), None, "artifactType must be a string"),
        (docker(lambda d: d.update(mediaType=7)), None, "mediaType must be a string"),
        (docker(lambda d: None), OCI_MANIFEST, "does not match Content-Type"),
        (docker(lambda d: d.update(mediaType="application/json")), None, "unsupported manifest media type"),
        (b'{"schemaVersion": 2}', "text/plain", "unsupported manifest media type None"),
        (index(lambda d: d.update(manifests={})), None, "manifests must be a list"),
        (index(lambda d: d["manifests"][0].update(platform="linux")), None, "platform must be an object"),
        (b'{"schemaVersion": 1, "fsLayers": []}', None, "schema1 manifest without fsLayers"),
        (b'{"schemaVersion": 1, "fsLayers": [{"blobSum": "md5:x"}]}', None, r"fsLayers\[0\]\.blobSum"),
    ],
)
def test_manifest_refused(body: bytes, content_type: str | None, why: str) -> None:
    """A malformed manifest is MANIFEST_INVALID, saying what is wrong."""
    with pytest.raises(RegistryError, match=rf"^MANIFEST_INVALID: manifest invalid: .*{why}"):
        parse_manifest(body, content_type)


@pytest.mark.parametrize(
    ("config", "labels"),
    [
        (None, {}),
        (b"", {}),
        (b"not json", {}),
        (b"[1]", {}),
        (b'{"config": null}', {}),
        (b'{"config": {"Labels": null}}', {}),
        (b'{"config": {"Labels": ["a"]}}', {}),
        (b'{"config": {"Labels": {"a": "1", "n": 2}}}', {"a": "1", "n": "2"}),
        (images.image("l", labels={"org.x": "y"}).config.data, {"org.x": "y"}),
        (b'{"config": "opaque"}', {}),
        (b'{"config": ' + b"[" * 5000 + b"]" * 5000 + b"}", {}),
    ],
)
def test_labels_of(config: bytes | None, labels: dict[str, str]) -> None:
    """Labels come from config.Labels as strings; anything unreadable gives none."""
    assert labels_of(config) == labels


def test_json_nests_up_to_the_limit() -> None:
    """A body nesting MAX_JSON_DEPTH levels parses; one level more, or past the parser's recursion, is refused."""
    assert load_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        with pytest.raises(JsonInvalid, match=f"^body nests deeper than {MAX_JSON_DEPTH} levels$"):
            load_json(b'{"k": ' * depth + b"1" + b"}" * depth)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"", "body is not JSON"),
        (b"\xff", "body is not JSON"),
        (b"1" * 5000, "body is not JSON"),  # past int()'s digit limit
        (b'["\\udc00"]', "not Unicode text"),
        (b'{"\\ud800": 1}', "not Unicode text"),
    ],
)
def test_json_refused(raw: bytes, why: str) -> None:
    """What is not JSON, or holds a lone surrogate, is JsonInvalid (a ValueError), saying why."""
    with pytest.raises(JsonInvalid, match=why):
        load_json(raw)

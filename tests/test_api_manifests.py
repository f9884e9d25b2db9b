"""Manifests, tags, catalog and referrers through a live refregistry, bad input included."""

from __future__ import annotations

import json

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.content.images import Blob

APP = images.image(1, labels={"team": "platform"})


def error_code(response) -> str:
    return response.json()["errors"][0]["code"]


@pytest.fixture
def pushed(registry: RegistryClient) -> images.Image:
    """APP pushed to docker-local as app:1.0."""
    assert registry.push(APP, "app", "1.0").status_code == 201
    return APP


def test_push_by_tag_answers_location_and_digest(registry: RegistryClient) -> None:
    """Workflow: PUT manifests/<tag> -> 201 with Location by digest and Docker-Content-Digest."""
    answer = registry.push(APP, "app", "1.0")
    assert answer.status_code == 201, answer.text
    assert answer.headers["Docker-Content-Digest"] == APP.digest
    assert answer.headers["Location"].endswith(f"/v2/docker-local/app/manifests/{APP.digest}")


@pytest.mark.parametrize("reference", ["1.0", APP.digest], ids=["tag", "digest"])
def test_get_and_head_return_the_exact_bytes(registry: RegistryClient, pushed: images.Image, reference: str) -> None:
    """Workflow: GET and HEAD by tag and by digest agree on bytes, type, length and digest."""
    got = registry.manifest("app", reference)
    assert got.content == pushed.manifest.data
    assert got.headers["Content-Type"] == pushed.manifest.media_type
    head = registry.request("HEAD", f"app/manifests/{reference}")
    assert head.headers["Content-Length"] == str(len(pushed.manifest.data))
    assert head.headers["Docker-Content-Digest"] == pushed.digest
    assert head.headers["X-Artifactory-Docker-Registry"] == "docker-local"


def test_push_by_digest_needs_the_right_digest(registry: RegistryClient) -> None:
    """Workflow: PUT by digest works with the body's digest; another digest is DIGEST_INVALID."""
    for blob in APP.blobs:
        registry.upload("app", blob)
    assert registry.put_manifest("app", APP.digest, APP.manifest).status_code == 201
    wrong = registry.put_manifest("app", images.digest_of(b"x"), APP.manifest)
    assert (wrong.status_code, error_code(wrong)) == (400, "DIGEST_INVALID")


def test_manifest_referencing_a_missing_blob_is_refused(registry: RegistryClient) -> None:
    """Workflow: a manifest whose layer was never pushed is MANIFEST_BLOB_UNKNOWN and no tag appears."""
    registry.upload("app", APP.config)
    answer = registry.put_manifest("app", "1.0", APP.manifest)
    assert (answer.status_code, error_code(answer)) == (400, "MANIFEST_BLOB_UNKNOWN")
    assert answer.json()["errors"][0]["detail"] == {"digest": APP.layers[0].digest}
    assert registry.tags("app").status_code == 404


AMD, ARM = images.image("amd"), images.image("arm", platform="linux/arm64/v8")


@pytest.mark.parametrize("off", [-1, 1, 1000])
def test_list_entry_of_another_size_than_its_manifest_is_refused(registry: RegistryClient, off: int) -> None:
    """Workflow: a list whose entry gives another size than the stored platform manifest's is 400
    MANIFEST_INVALID naming that entry; no list and no tag appear; with the true size it is stored."""
    listing = images.index([AMD, ARM], oci=False)
    wrong = images.with_entry_size(listing, 1, len(ARM.manifest.data) + off)
    answer = registry.push(wrong, "multi", "1", expect=400)
    assert error_code(answer) == "MANIFEST_INVALID"
    assert answer.json()["errors"][0]["detail"]["digest"] == ARM.digest
    assert ARM.digest in answer.json()["errors"][0]["message"]
    registry.manifest("multi", wrong.digest, expect=404)
    assert registry.tags("multi").json()["tags"] == []
    registry.put_manifest("multi", "1", listing.manifest, expect=201)


def test_list_entry_not_in_the_repository_is_refused(registry: RegistryClient) -> None:
    """Workflow: a list pushed before its platform manifests is 400 MANIFEST_BLOB_UNKNOWN naming the first
    one missing (clients push the members first); pushed afterwards, the same list is stored."""
    listing = images.index([AMD, ARM], oci=False)
    answer = registry.put_manifest("multi", "1", listing.manifest, expect=400)
    assert (error_code(answer), answer.json()["errors"][0]["detail"]) == (
        "MANIFEST_BLOB_UNKNOWN",
        {"digest": AMD.digest},
    )
    registry.push(listing, "multi", "1", expect=201)


def manifest_of_size(size: int) -> Blob:
    """A valid OCI manifest padded with an annotation to exactly ``size`` bytes."""
    doc = json.loads(APP.manifest.data)
    doc["mediaType"] = images.OCI_MANIFEST
    doc["annotations"] = {"pad": ""}
    doc["annotations"]["pad"] = "x" * (size - len(images.canonical(doc)))
    data = images.canonical(doc)
    assert len(data) == size
    return Blob(data, images.OCI_MANIFEST)


@pytest.mark.parametrize(("size", "status"), [(4 * 1024 * 1024, 201), (4 * 1024 * 1024 + 1, 413)])
def test_manifest_size_limit_is_4_mib(registry: RegistryClient, size: int, status: int) -> None:
    """Workflow: a 4 MiB manifest is accepted, one byte more is 413 SIZE_INVALID."""
    for blob in APP.blobs:
        registry.upload("app", blob)
    answer = registry.put_manifest("app", "big", manifest_of_size(size))
    assert answer.status_code == status, answer.text[:200]


BAD_MANIFESTS = {
    "not-json": (b"{nope", "MANIFEST_INVALID"),
    "array": (b"[]", "MANIFEST_INVALID"),
    "schema-3": (b'{"schemaVersion":3,"mediaType":"application/vnd.oci.image.manifest.v1+json"}', "MANIFEST_INVALID"),
    "no-config": (
        b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}',
        "MANIFEST_INVALID",
    ),
    "schema1-blocked": (
        json.dumps(
            {"schemaVersion": 1, "name": "app", "tag": "1", "fsLayers": [{"blobSum": APP.layers[0].digest}]}
        ).encode(),
        "MANIFEST_INVALID",
    ),
}


@pytest.mark.parametrize(("body", "code"), BAD_MANIFESTS.values(), ids=BAD_MANIFESTS.keys())
def test_malformed_manifests_are_refused(registry: RegistryClient, body: bytes, code: str) -> None:
    """Workflow: a malformed manifest gets 400 and its code, and no tag is created."""
    answer = registry.put_manifest("app", "bad", Blob(body, images.OCI_MANIFEST))
    assert (answer.status_code, error_code(answer)) == (400, code)
    assert registry.tags("app").status_code == 404


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("App/manifests/1", "NAME_INVALID"),
        ("app/manifests/-bad", "TAG_INVALID"),
        ("a%2Fb/manifests/1", "NAME_INVALID"),
        ("app/%2e%2e/x/manifests/1", "NAME_INVALID"),
        ("app/manifests/sha256:zz", "DIGEST_INVALID"),
    ],
    ids=["uppercase-name", "bad-tag", "encoded-slash", "dot-segment", "bad-digest"],
)
def test_bad_names_and_references(registry: RegistryClient, path: str, code: str) -> None:
    """Workflow: invalid names, tags, encoded slashes and traversal get 400 and their OCI code."""
    answer = registry.request("PUT", path, data=APP.manifest.data, headers={"Content-Type": APP.manifest.media_type})
    assert (answer.status_code, error_code(answer)) == (400, code)


def test_unknown_manifest_and_repository(registry: RegistryClient, server) -> None:
    """Workflow: an unknown tag is MANIFEST_UNKNOWN; an unknown repository key is NAME_UNKNOWN."""
    answer = registry.manifest("app", "nope")
    assert (answer.status_code, error_code(answer)) == (404, "MANIFEST_UNKNOWN")
    other = RegistryClient(server.url, "/v2/no-such-repo/", ("admin", "password"))
    answer = other.manifest("app", "1")
    assert (answer.status_code, error_code(answer)) == (404, "NAME_UNKNOWN")


def test_index_needs_an_accept_that_allows_it(registry: RegistryClient) -> None:
    """Workflow: an OCI index is served to clients accepting it, MANIFEST_UNKNOWN to the others."""
    idx = images.index([images.image(2, oci=True), images.image(3, platform="linux/arm64/v8", oci=True)])
    assert registry.push(idx, "multi", "1").status_code == 201
    assert registry.manifest("multi", "1").content == idx.manifest.data
    answer = registry.manifest("multi", "1", accept=images.DOCKER_MANIFEST)
    assert (answer.status_code, error_code(answer)) == (404, "MANIFEST_UNKNOWN")


def test_delete_by_tag_then_by_digest(registry: RegistryClient, pushed: images.Image) -> None:
    """Workflow: DELETE a tag -> 202, the digest still resolves; DELETE the digest -> 202, then 404."""
    registry.put_manifest("app", "2.0", pushed.manifest)
    assert registry.delete("app", "2.0").status_code == 202
    assert registry.manifest("app", "2.0").status_code == 404
    assert registry.digest_of("app", pushed.digest) == pushed.digest
    assert registry.delete("app", pushed.digest).status_code == 202
    assert registry.manifest("app", "1.0").status_code == 404
    assert registry.manifest("app", pushed.digest).status_code == 404


TAGS = ["a", "B", "c", "d", "e"]


@pytest.fixture
def tagged(registry: RegistryClient) -> list[str]:
    for tag in reversed(TAGS):
        assert registry.push(APP, "app", tag).status_code == 201
    return sorted(TAGS)


def test_tags_are_sorted_and_paginated_with_link(registry: RegistryClient, tagged: list[str]) -> None:
    """Workflow: tags/list is sorted; n=2 gives two and a Link to the rest; last= continues after it."""
    assert registry.tags("app").json() == {"name": "docker-local/app", "tags": tagged}
    first = registry.tags("app", n=2)
    assert first.json()["tags"] == tagged[:2]
    assert 'rel="next"' in first.headers["Link"]
    assert f"last={tagged[1]}" in first.headers["Link"]
    assert registry.tags("app", n=2, last=tagged[1]).json()["tags"] == tagged[2:4]
    tail = registry.tags("app", n=10, last=tagged[3])
    assert (tail.json()["tags"], "Link" in tail.headers) == (tagged[4:], False)


@pytest.mark.parametrize(("n", "status", "count"), [("0", 200, 0), ("-1", 400, None), ("x", 400, None)])
def test_tag_page_sizes(registry: RegistryClient, tagged: list[str], n: str, status: int, count: int | None) -> None:
    """Workflow: n=0 is an empty page without Link; a negative or non-numeric n is PAGINATION_NUMBER_INVALID."""
    answer = registry.tags("app", n=n)
    assert answer.status_code == status
    if count is not None:
        assert len(answer.json()["tags"]) == count
        assert "Link" not in answer.headers


def test_catalog_in_both_forms(registry: RegistryClient, api_registry: RegistryClient, pushed: images.Image) -> None:
    """Workflow: /v2/_catalog names repo/image; the API form's _catalog names images of its repository."""
    api_registry.push(images.image(9), "team/tool", "1")
    assert registry.request("GET", "/v2/_catalog").json() == {
        "repositories": ["docker-local/app", "docker-local/team/tool"]
    }
    assert api_registry.request("GET", "_catalog").json() == {"repositories": ["app", "team/tool"]}
    page = api_registry.request("GET", "_catalog", params={"n": 1})
    assert page.json() == {"repositories": ["app"]} and "last=app" in page.headers["Link"]


def test_referrers_list_and_filter(registry: RegistryClient, pushed: images.Image) -> None:
    """Workflow: artifacts pushed with a subject get OCI-Subject, appear as referrers, filter by artifactType."""
    sbom = images.artifact(pushed, "application/spdx+json", b"sbom", {"kind": "sbom"})
    sig = images.artifact(pushed, "application/vnd.example.sig", b"sig")
    for art in (sbom, sig):
        answer = registry.push(art, "app")
        assert answer.headers["OCI-Subject"] == pushed.digest
    listed = registry.referrers("app", pushed.digest)
    assert listed.headers["Content-Type"] == images.OCI_INDEX
    entries = {m["digest"]: m for m in listed.json()["manifests"]}
    assert set(entries) == {sbom.digest, sig.digest}
    assert entries[sbom.digest]["artifactType"] == "application/spdx+json"
    assert entries[sbom.digest]["annotations"] == {"kind": "sbom"}
    only = registry.referrers("app", pushed.digest, artifactType="application/spdx+json")
    assert only.headers["OCI-Filters-Applied"] == "artifactType"
    assert [m["digest"] for m in only.json()["manifests"]] == [sbom.digest]
    assert registry.referrers("app", images.digest_of(b"none")).json()["manifests"] == []

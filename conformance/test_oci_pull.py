"""oci_pull: the OCI conformance suite's Pull workflow, and what it leaves unchecked.

Blobs and manifests by tag and by digest, HEAD and GET, the errors for what is absent or
malformed; beyond the OCI suite: ``GET /v2/``, blob ``Range``, served bytes, media types and
lengths checked, ``Docker-Content-Digest`` required where the spec requires it, an OCI index.
"""

from __future__ import annotations

import pytest

from fixtures.clients.probe import ProbeImage, sha256
from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import oci_content
from fixtures.content.images import OCI_INDEX, OCI_MANIFEST, Image
from fixtures.content.oci_content import ABSENT_DIGEST, ABSENT_SHA512, SPEC_ERROR_CODES, shown

pytestmark = pytest.mark.capability("oci_pull")

TAG = "tagtest0"


@pytest.mark.read_only
def test_an_image_nobody_pushed_answers_404_with_a_spec_error_code(registry: RegistryClient) -> None:
    """tags/list and a manifest of an image nobody pushed answer 404 with the spec's JSON error (NAME_UNKNOWN,
    MANIFEST_UNKNOWN): how a client tells a missing image from a wrong URL."""
    name = "conformance-nobody-pushed-this"
    for answer in (registry.tags(name, expect=404), registry.manifest(name, "1", expect=404)):
        assert error_code(answer) in {"NAME_UNKNOWN", "MANIFEST_UNKNOWN"}, shown(answer)


@pytest.fixture
def pushed(registry: RegistryClient, image_name: str) -> Image:
    """A fresh OCI image (config, layer, manifest with unknown fields) under ``image_name:tagtest0``."""
    image = oci_content.image(image_name)
    registry.push(image, image_name, TAG, expect=201)
    return image


@pytest.mark.read_only
def test_v2_answers_200_with_the_api_version(registry: RegistryClient) -> None:
    """GET /v2/ answers 200 to an authenticated client, naming the API version registry/2.0."""
    answer = registry.request("GET", "/v2/", expect=200)
    assert answer.headers.get("Docker-Distribution-Api-Version") == "registry/2.0", answer.headers


def test_blob_head_answers_its_digest(registry: RegistryClient, pushed: Image, image_name: str) -> None:
    """HEAD of a pushed blob answers 200 with its digest and size; of an absent one, 404."""
    registry.request("HEAD", f"{image_name}/blobs/{ABSENT_DIGEST}", expect=404)
    answer = registry.request("HEAD", f"{image_name}/blobs/{pushed.config.digest}", expect=200)
    assert answer.headers.get("Docker-Content-Digest") == pushed.config.digest, shown(answer)
    assert answer.headers.get("Content-Length") == str(len(pushed.config.data)), shown(answer)


def test_blob_get_serves_the_pushed_bytes(registry: RegistryClient, pushed: Image, image_name: str) -> None:
    """GET of a pushed blob answers 200 with exactly its bytes (and its digest, if named); absent: 404."""
    registry.request("GET", f"{image_name}/blobs/{ABSENT_DIGEST}", expect=404)
    for blob in pushed.blobs:
        answer = registry.request("GET", f"{image_name}/blobs/{blob.digest}", expect=200)
        assert answer.content == blob.data, f"{blob.digest}: served other bytes"
        assert answer.headers.get("Docker-Content-Digest", blob.digest) == blob.digest, shown(answer)


def test_blob_range_request_answers_206_with_those_bytes(
    registry: RegistryClient, pushed: Image, image_name: str
) -> None:
    """GET of a blob with Range: bytes=10-29 answers 206 with Content-Range and exactly those 20 bytes."""
    blob = pushed.layers[0]
    answer = registry.request("GET", f"{image_name}/blobs/{blob.digest}", headers={"Range": "bytes=10-29"}, expect=206)
    assert answer.headers.get("Content-Range") == f"bytes 10-29/{len(blob.data)}", shown(answer)
    assert answer.content == blob.data[10:30]


@pytest.mark.parametrize("method", ["HEAD", "GET"])
@pytest.mark.parametrize("by", ["tag", "digest"])
def test_manifest_answers_its_digest_type_and_length(
    registry: RegistryClient, pushed: Image, image_name: str, method: str, by: str
) -> None:
    """HEAD and GET of the manifest, by tag and by digest: 200 with its digest, media type and length."""
    reference = TAG if by == "tag" else pushed.digest
    url = f"{image_name}/manifests/{reference}"
    answer = registry.request(method, url, headers={"Accept": OCI_MANIFEST}, expect=200)
    assert answer.headers.get("Docker-Content-Digest") == pushed.digest, shown(answer)
    assert answer.headers.get("Content-Type") == OCI_MANIFEST, shown(answer)
    assert answer.headers.get("Content-Length") == str(len(pushed.manifest.data)), shown(answer)


@pytest.mark.parametrize("by", ["tag", "digest"])
def test_manifest_is_served_byte_for_byte_as_pushed(
    registry: RegistryClient, pushed: Image, image_name: str, by: str
) -> None:
    """GET of the manifest serves the pushed bytes exactly, unknown fields and config data included."""
    answer = registry.manifest(image_name, TAG if by == "tag" else pushed.digest, accept=OCI_MANIFEST, expect=200)
    assert answer.content == pushed.manifest.data, f"served other bytes: {answer.text[:300]}"


def test_manifest_pushed_by_digest_pulls_by_digest(registry: RegistryClient, image_name: str) -> None:
    """A manifest PUT under its digest (no tag) is served by that digest, byte for byte."""
    image = oci_content.image(image_name)
    registry.push(image, image_name, image.digest, expect=201)
    answer = registry.manifest(image_name, image.digest, accept=OCI_MANIFEST, expect=200)
    assert answer.headers.get("Docker-Content-Digest") == image.digest, shown(answer)
    assert answer.content == image.manifest.data


@pytest.mark.parametrize("method", ["HEAD", "GET"])
def test_invalid_manifest_name_is_404(registry: RegistryClient, pushed: Image, image_name: str, method: str) -> None:
    """HEAD and GET of manifests/.INVALID_MANIFEST_NAME in an existing repository answer 404."""
    registry.request(method, f"{image_name}/manifests/.INVALID_MANIFEST_NAME", expect=404)


def test_malformed_digest_is_refused_with_a_spec_error(
    registry: RegistryClient, pushed: Image, image_name: str
) -> None:
    """GET manifests/sha256:totallywrong answers 400 or 404 with an error code the spec defines."""
    answer = registry.manifest(image_name, "sha256:totallywrong", accept=OCI_MANIFEST, expect={400, 404})
    assert error_code(answer) in SPEC_ERROR_CODES, shown(answer)


@pytest.mark.parametrize("method", ["HEAD", "GET"])
def test_content_absent_under_a_sha512_digest_answers_404(
    registry: RegistryClient, pushed: Image, image_name: str, method: str
) -> None:
    """HEAD and GET of a blob and of a manifest by a well-formed sha512 digest nobody pushed answer 404 (GET
    with BLOB_UNKNOWN, MANIFEST_UNKNOWN): the spec's MUST for content not found, whatever the digest's algorithm."""
    for kind, code in (("blobs", "BLOB_UNKNOWN"), ("manifests", "MANIFEST_UNKNOWN")):
        answer = registry.request(
            method, f"{image_name}/{kind}/{ABSENT_SHA512}", headers={"Accept": OCI_MANIFEST}, expect=404
        )
        assert method == "HEAD" or error_code(answer) == code, shown(answer)


def test_index_is_served_by_digest_as_pushed(registry: RegistryClient, image_name: str) -> None:
    """An OCI image index of two images, pushed by digest, is served by it: bytes, type and digest."""
    amd = oci_content.image(f"{image_name}-amd")
    arm = oci_content.image(f"{image_name}-arm", platform="linux/arm64")
    listing = oci_content.index([amd, arm])
    registry.push(listing, image_name, listing.digest, expect=201)
    answer = registry.manifest(image_name, listing.digest, accept=OCI_INDEX, expect=200)
    assert answer.headers.get("Content-Type") == OCI_INDEX, shown(answer)
    assert answer.headers.get("Docker-Content-Digest") == listing.digest, shown(answer)
    assert answer.content == listing.manifest.data, f"served other bytes: {answer.text[:300]}"
    child = registry.manifest(image_name, arm.digest, accept=OCI_MANIFEST, expect=200)
    assert child.content == arm.manifest.data, shown(child)


# -- an image that exists: what a read-only run reads (--probe-image) --------------------------------
SMALL = 16 * 1024 * 1024  # blobs read whole to verify their digest; larger ones are only HEADed


@pytest.mark.read_only
@pytest.mark.parametrize("method", ["HEAD", "GET"])
@pytest.mark.parametrize("by", ["tag", "digest"])
def test_existing_manifest_answers_its_digest_type_and_length(
    registry: RegistryClient, probe_image: ProbeImage, method: str, by: str
) -> None:
    """HEAD and GET of an existing manifest, by tag and by digest: 200, the digest of the bytes served,
    their media type and length; GET's bytes hash to that digest."""
    if by == "tag" and probe_image.tag is None:
        pytest.skip(f"--probe-image {probe_image.ref} names no tag")
    url = f"{probe_image.name}/manifests/{probe_image.tag if by == 'tag' else probe_image.digest}"
    answer = registry.request(method, url, headers={"Accept": probe_image.media_type}, expect=200)
    assert answer.headers.get("Docker-Content-Digest") == probe_image.digest, shown(answer)
    assert answer.headers.get("Content-Type", "").split(";")[0] == probe_image.media_type, shown(answer)
    assert answer.headers.get("Content-Length") == str(len(probe_image.manifest)), shown(answer)
    if method == "GET":
        assert sha256(answer.content) == probe_image.digest, f"served bytes hash to {sha256(answer.content)}"


@pytest.mark.read_only
def test_existing_blobs_answer_head_and_get_with_their_digest(
    registry: RegistryClient, probe_image: ProbeImage
) -> None:
    """HEAD of each blob of an existing image answers 200 with its size; GET serves bytes that hash to its
    digest (blobs up to 16 MiB); an absent blob is 404."""
    registry.request("HEAD", f"{probe_image.name}/blobs/{ABSENT_DIGEST}", expect=404)
    for blob in probe_image.blobs:
        answer = registry.request("HEAD", f"{probe_image.name}/blobs/{blob.digest}", expect=200)
        assert answer.headers.get("Content-Length") == str(blob.size), shown(answer)
        if blob.size <= SMALL:
            served = registry.request("GET", f"{probe_image.name}/blobs/{blob.digest}", expect=200).content
            assert sha256(served) == blob.digest, f"{blob.digest}: served bytes hash to {sha256(served)}"


@pytest.mark.read_only
def test_existing_blob_range_request_answers_206_with_those_bytes(
    registry: RegistryClient, probe_image: ProbeImage
) -> None:
    """GET of an existing image's config blob with Range: bytes=10-29 answers 206, its Content-Range and
    exactly those 20 bytes of the whole."""
    config = probe_image.blobs[0]
    if config.size < 30:
        pytest.skip(f"the config blob of {probe_image.ref} has {config.size} bytes, fewer than the 30 the range needs")
    whole = registry.blob(probe_image.name, config.digest, expect=200).content
    url = f"{probe_image.name}/blobs/{config.digest}"
    answer = registry.request("GET", url, headers={"Range": "bytes=10-29"}, expect=206)
    assert answer.headers.get("Content-Range") == f"bytes 10-29/{config.size}", shown(answer)
    assert answer.content == whole[10:30]


@pytest.mark.read_only
def test_absent_manifests_of_an_existing_image_are_refused(registry: RegistryClient, probe_image: ProbeImage) -> None:
    """Beside an existing image: manifests/.INVALID_MANIFEST_NAME answers 404 to HEAD and GET; a malformed
    digest 400 or 404 with an error code the spec defines."""
    for method in ("HEAD", "GET"):
        registry.request(method, f"{probe_image.name}/manifests/.INVALID_MANIFEST_NAME", expect=404)
    answer = registry.manifest(probe_image.name, "sha256:totallywrong", accept=OCI_MANIFEST, expect={400, 404})
    assert error_code(answer) in SPEC_ERROR_CODES, shown(answer)

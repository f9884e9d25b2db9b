"""Digests of another algorithm at HTTP level: sha512 names content refregistry cannot hold.

Reads by a well-formed sha512 digest are about content that is not there: 404 with the spec's
code, as for any absent content ("If the blob or manifest is not found in the registry, the
response code MUST be 404").  A malformed digest stays 400 DIGEST_INVALID; a push naming a
sha512 digest is refused with 400 DIGEST_INVALID before any byte is kept.
"""

from __future__ import annotations

import hashlib

import pytest

from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess

APP = images.image("sha512")
SHA512 = "sha512:" + hashlib.sha512(APP.layers[0].data).hexdigest()  # the layer's own, under sha512


def kept_files(server: RefRegistryProcess) -> set[str]:
    """Every blob and upload spool on disk."""
    return {str(p) for part in ("blobs", "uploads") for p in (server.data / part).rglob("*") if p.is_file()}


@pytest.fixture
def pushed(registry: RegistryClient) -> images.Image:
    """APP pushed to docker-local as app:1, so the repository and the image exist."""
    registry.push(APP, "app", "1", expect=201)
    return APP


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
@pytest.mark.parametrize(("kind", "code"), [("blobs", "BLOB_UNKNOWN"), ("manifests", "MANIFEST_UNKNOWN")])
def test_content_under_a_sha512_digest_is_not_found(
    registry: RegistryClient, api_registry: RegistryClient, pushed: images.Image, method: str, kind: str, code: str
) -> None:
    """Workflow: GET, HEAD and DELETE of a blob or manifest by a well-formed sha512 digest answer 404 with
    BLOB_UNKNOWN or MANIFEST_UNKNOWN (HEAD without a body), under both URL forms."""
    for client in (registry, api_registry):
        answer = client.request(method, f"app/{kind}/{SHA512}", expect=404)
        assert method == "HEAD" or error_code(answer) == code, answer.text


@pytest.mark.parametrize("kind", ["blobs", "manifests"])
@pytest.mark.parametrize(
    "digest", ["sha512:" + "0" * 127, "sha512:" + "A" * 128, "sha512:" + "g" * 128, "sha384:" + "0" * 96]
)
def test_a_malformed_or_other_digest_stays_digest_invalid(
    registry: RegistryClient, pushed: images.Image, kind: str, digest: str
) -> None:
    """Workflow: a sha512 digest of the wrong length or case, or another algorithm, is 400 DIGEST_INVALID."""
    answer = registry.request("GET", f"app/{kind}/{digest}", expect=400)
    assert error_code(answer) == "DIGEST_INVALID", answer.text


def test_uploads_naming_a_sha512_digest_are_refused(registry: RegistryClient, server: RefRegistryProcess) -> None:
    """Workflow: a single POST and a closing PUT with ?digest=sha512:... are 400 DIGEST_INVALID; nothing is kept
    but the open session the PUT was refused on."""
    layer = APP.layers[0]
    before = kept_files(server)
    answer = registry.request("POST", f"app/blobs/uploads/?digest={SHA512}", data=layer.data, expect=400)
    assert error_code(answer) == "DIGEST_INVALID"
    assert kept_files(server) == before
    location = registry.request("POST", "app/blobs/uploads/", expect=202).headers["Location"]
    answer = registry.request("PUT", f"{location}?digest={SHA512}", data=layer.data, expect=400)
    assert error_code(answer) == "DIGEST_INVALID"
    assert "sha256 required" in answer.json()["errors"][0]["message"]
    assert not registry.has_blob("app", layer.digest)


def test_a_manifest_put_by_sha512_digest_is_refused(registry: RegistryClient) -> None:
    """Workflow: PUT manifests/sha512:<hex of the body> is 400 DIGEST_INVALID and stores no manifest."""
    for blob in APP.blobs:
        registry.upload("app", blob).raise_for_status()
    by_sha512 = "sha512:" + hashlib.sha512(APP.manifest.data).hexdigest()
    answer = registry.put_manifest("app", by_sha512, APP.manifest, expect=400)
    assert error_code(answer) == "DIGEST_INVALID"
    registry.manifest("app", APP.digest, expect=404)

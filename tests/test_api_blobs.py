"""Blob reads and every upload flavour, through a live refregistry, with their error codes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess

BLOB = images.Blob(bytes(range(256)) * 4, "application/octet-stream")  # 1024 bytes


def blob_files(server: RefRegistryProcess) -> set[str]:
    return {p.name for p in (server.data / "blobs").rglob("*") if p.is_file()}


def error_code(response) -> str:
    return response.json()["errors"][0]["code"]


def start_upload(registry: RegistryClient, name: str = "app") -> str:
    answer = registry.request("POST", f"{name}/blobs/uploads/")
    assert answer.status_code == 202, answer.text
    assert answer.headers["Range"] == "0-0"
    return answer.headers["Location"]


def test_monolithic_post_with_digest_stores_the_blob(registry: RegistryClient) -> None:
    """Workflow: POST ?digest= with the body -> 201, Location and digest; HEAD then finds it."""
    answer = registry.request("POST", f"app/blobs/uploads/?digest={BLOB.digest}", data=BLOB.data)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Docker-Content-Digest"] == BLOB.digest
    assert answer.headers["Location"].endswith(f"/v2/docker-local/app/blobs/{BLOB.digest}")
    head = registry.request("HEAD", f"app/blobs/{BLOB.digest}")
    assert (head.status_code, head.headers["Content-Length"]) == (200, str(len(BLOB.data)))
    assert head.headers["Docker-Content-Digest"] == BLOB.digest


def test_post_then_put_uploads_and_get_returns_the_bytes(registry: RegistryClient) -> None:
    """Workflow: upload in two steps, GET returns exactly the bytes as an octet stream."""
    assert registry.upload("app", BLOB).status_code == 201
    answer = registry.request("GET", f"app/blobs/{BLOB.digest}")
    assert answer.content == BLOB.data
    assert answer.headers["Content-Type"] == "application/octet-stream"


def test_chunked_upload_in_order_then_out_of_order(registry: RegistryClient) -> None:
    """Workflow: PATCH 0-499 (202, Range), a repeated chunk is 416, status is 204, PUT closes with the rest."""
    location = start_upload(registry)
    first = registry.request("PATCH", location, data=BLOB.data[:500], headers={"Content-Range": "0-499"})
    assert (first.status_code, first.headers["Range"]) == (202, "0-499")
    again = registry.request("PATCH", location, data=BLOB.data[:500], headers={"Content-Range": "0-499"})
    assert again.status_code == 416
    assert again.headers["Range"] == "0-499"
    status = registry.request("GET", first.headers["Location"])
    assert (status.status_code, status.headers["Range"]) == (204, "0-499")
    closed = registry.request(
        "PUT", f"{location}?digest={BLOB.digest}", data=BLOB.data[500:], headers={"Content-Range": "500-1023"}
    )
    assert closed.status_code == 201, closed.text
    assert registry.request("GET", f"app/blobs/{BLOB.digest}").content == BLOB.data


def test_streamed_patch_without_content_range(registry: RegistryClient) -> None:
    """Workflow: two PATCHes without Content-Range append (as docker push streams), PUT with no body closes."""
    location = start_upload(registry)
    for part in (BLOB.data[:100], BLOB.data[100:]):
        location = registry.request("PATCH", location, data=part).headers["Location"]
    assert registry.request("PUT", f"{location}?digest={BLOB.digest}").status_code == 201


@pytest.mark.parametrize(
    ("content_range", "body", "status"),
    [("5-10", b"x" * 6, 416), ("0-9", b"x" * 5, 416), ("banana", b"x", 416), ("10-2", b"", 416)],
    ids=["not-at-offset", "length-mismatch", "malformed", "backwards"],
)
def test_bad_chunks_are_refused_and_leave_the_upload_as_it_was(
    registry: RegistryClient, content_range: str, body: bytes, status: int
) -> None:
    """Workflow: a bad chunk gets its 4xx; the upload stays at offset 0 and still completes."""
    location = start_upload(registry)
    answer = registry.request("PATCH", location, data=body, headers={"Content-Range": content_range})
    assert answer.status_code == status
    assert registry.request("GET", location).headers["Range"] == "0-0"
    assert registry.request("PUT", f"{location}?digest={BLOB.digest}", data=BLOB.data).status_code == 201


def test_digest_mismatch_is_refused_and_nothing_is_stored(registry: RegistryClient, server: RefRegistryProcess) -> None:
    """Workflow: PUT with the wrong digest -> 400 DIGEST_INVALID; no blob file appears under either digest."""
    before = blob_files(server)
    wrong = "sha256:" + hashlib.sha256(b"other").hexdigest()
    answer = registry.request("POST", f"app/blobs/uploads/?digest={wrong}", data=BLOB.data)
    assert (answer.status_code, error_code(answer)) == (400, "DIGEST_INVALID")
    assert blob_files(server) == before
    assert not registry.has_blob("app", wrong)
    assert not registry.has_blob("app", BLOB.digest)


@pytest.mark.parametrize("digest", ["sha256:abc", "md5:" + "0" * 32, "sha512:" + "0" * 128, "nodigest"])
def test_invalid_digests_are_digest_invalid(registry: RegistryClient, digest: str) -> None:
    """Workflow: an unusable digest in the query is DIGEST_INVALID, before any byte is stored."""
    answer = registry.request("POST", f"app/blobs/uploads/?digest={digest}", data=b"x")
    assert (answer.status_code, error_code(answer)) == (400, "DIGEST_INVALID")


def test_cancel_then_the_upload_is_unknown(registry: RegistryClient, server: RefRegistryProcess) -> None:
    """Workflow: DELETE an upload -> 204; its status is then 404 BLOB_UPLOAD_UNKNOWN and its spool is gone."""
    location = start_upload(registry)
    registry.request("PATCH", location, data=b"partial")
    assert registry.request("DELETE", location).status_code == 204
    answer = registry.request("GET", location)
    assert (answer.status_code, error_code(answer)) == (404, "BLOB_UPLOAD_UNKNOWN")
    assert list((server.data / "uploads").iterdir()) == []


def test_upload_session_is_bound_to_its_image(registry: RegistryClient) -> None:
    """Workflow: an upload opened for app cannot be continued under another image name."""
    location = start_upload(registry, "app")
    answer = registry.request("PATCH", location.replace("/app/", "/other/"), data=b"x")
    assert (answer.status_code, error_code(answer)) == (404, "BLOB_UPLOAD_UNKNOWN")


def test_cross_repository_mount_opens_an_upload_as_artifactory_does(registry: RegistryClient) -> None:
    """Workflow: POST ?mount=&from= answers 202 with an upload Location (no mount), as Artifactory does."""
    registry.upload("app", BLOB)
    answer = registry.request("POST", f"other/blobs/uploads/?mount={BLOB.digest}&from=docker-local/app")
    assert answer.status_code == 202
    assert "/v2/docker-local/other/blobs/uploads/" in answer.headers["Location"]


def test_range_reads_answer_206(registry: RegistryClient) -> None:
    """Workflow: GET with Range: bytes=10-19 -> 206 with exactly those bytes and a Content-Range."""
    registry.upload("app", BLOB)
    answer = registry.request("GET", f"app/blobs/{BLOB.digest}", headers={"Range": "bytes=10-19"})
    assert answer.status_code == 206
    assert answer.content == BLOB.data[10:20]
    assert answer.headers["Content-Range"] == f"bytes 10-19/{len(BLOB.data)}"


def test_unknown_blob_and_blob_delete(registry: RegistryClient) -> None:
    """Workflow: an unknown blob is 404 BLOB_UNKNOWN; DELETE of a known blob is 405 with Allow, as Artifactory."""
    missing = registry.request("GET", f"app/blobs/{images.digest_of(b'nothing')}")
    assert (missing.status_code, error_code(missing)) == (404, "BLOB_UNKNOWN")
    registry.upload("app", BLOB)
    answer = registry.request("DELETE", f"app/blobs/{BLOB.digest}")
    assert (answer.status_code, error_code(answer)) == (405, "UNSUPPORTED")
    assert "GET" in answer.headers["Allow"]
    assert registry.has_blob("app", BLOB.digest)


def test_blobs_are_visible_per_repository(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: a blob pushed to docker-local is not visible from docker-dev-local."""
    registry.upload("app", BLOB)
    dev = RegistryClient(server.url, "/v2/docker-dev-local/", ("admin", "password"))
    assert not dev.has_blob("app", BLOB.digest)


def test_large_blob_streams_through(registry: RegistryClient, tmp_path: Path) -> None:
    """Workflow: a 48 MiB blob PATCHed from a file in 1 MiB pieces arrives whole (no buffering limits)."""
    source = tmp_path / "big.bin"
    hasher = hashlib.sha256()
    with source.open("wb") as fh:
        for i in range(48):
            block = hashlib.sha256(str(i).encode()).digest() * 32768
            hasher.update(block)
            fh.write(block)
    digest = f"sha256:{hasher.hexdigest()}"
    location = start_upload(registry)
    with source.open("rb") as fh:
        answer = registry.request("PUT", f"{location}?digest={digest}", data=fh)
    assert answer.status_code == 201, answer.text
    head = registry.request("HEAD", f"app/blobs/{digest}")
    assert head.headers["Content-Length"] == str(48 * 1024 * 1024)

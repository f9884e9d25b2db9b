"""SIGKILL at the worst moments: nothing half-written becomes visible, nothing committed is lost."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess

StartServer = Callable[..., RefRegistryProcess]
ADMIN = ("admin", "password")
SIZE = 8 << 20  # large enough that half of it is still streaming when the kill comes


def client(server: RefRegistryProcess) -> RegistryClient:
    return RegistryClient(server.url, "/v2/docker-local/", ADMIN, basic=True)


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll a condition for a bounded time (the server's progress, never a fixed delay)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server made no progress in time"
        time.sleep(0.01)


def spooled(data: Path) -> int:
    """Bytes in the open upload spools of a data directory."""
    total = 0
    for spool in (data / "uploads").iterdir():
        with contextlib.suppress(FileNotFoundError):
            total += spool.stat().st_size
    return total


def blob_files(data: Path, digest: str) -> list[Path]:
    return list((data / "blobs").rglob(digest.split(":", 1)[1]))


def send_part(server: RefRegistryProcess, method: str, path: str, body: bytes, sent: int) -> socket.socket:
    """Open a request announcing all of ``body`` and send only its first ``sent`` bytes."""
    url = urlsplit(server.url)
    assert url.hostname == "127.0.0.1" and url.port
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Basic {base64.b64encode(':'.join(ADMIN).encode()).decode()}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[:sent])
    return sock


def upload_request(reg: RegistryClient, mode: str, digest: str) -> tuple[str, str]:
    """(method, path) of the request that carries a blob's bytes in each upload style."""
    if mode == "monolithic-post":
        return "POST", f"/v2/docker-local/app/blobs/uploads/?digest={digest}"
    started = reg.request("POST", "app/blobs/uploads/")
    assert started.status_code == 202
    location = urlsplit(started.headers["Location"]).path
    return ("PUT", f"{location}?digest={digest}") if mode == "put" else ("PATCH", location)


@pytest.mark.parametrize("mode", ["monolithic-post", "put", "patch"])
def test_kill_mid_upload_leaves_no_blob(start_server: StartServer, mode: str) -> None:
    """SIGKILL while a blob body streams in: after restart the blob is neither served nor on disk."""
    server = start_server()
    data = hashlib.sha256(b"crash").digest() * (SIZE // 32)
    digest = images.digest_of(data)
    method, path = upload_request(client(server), mode, digest)
    sock = send_part(server, method, path, data, SIZE // 2)
    try:
        wait_until(lambda: spooled(server.data) > 0)
        server.kill()
    finally:
        sock.close()
    server.start()
    reg = client(server)
    assert reg.request("HEAD", f"app/blobs/{digest}").status_code == 404
    assert blob_files(server.data, digest) == []
    assert list((server.data / "tmp").iterdir()) == []
    assert reg.upload("app", data).status_code == 201  # and the registry still takes the whole blob
    assert reg.has_blob("app", digest) and len(blob_files(server.data, digest)) == 1


@pytest.mark.parametrize("manifest_sent", [0, 0.5], ids=["before-put", "mid-put"])
def test_kill_before_manifest_put(start_server: StartServer, manifest_sent: float) -> None:
    """Blobs committed before a SIGKILL stay; a manifest not wholly PUT leaves no tag."""
    server = start_server()
    image = images.image("crash", layers=2)
    reg = client(server)
    for blob in image.blobs:
        assert reg.upload("app", blob).status_code == 201
    body = image.manifest.data
    sock = None
    if manifest_sent:
        sock = send_part(server, "PUT", "/v2/docker-local/app/manifests/v1", body, int(len(body) * manifest_sent))
    server.kill()
    if sock is not None:
        sock.close()
    server.start()
    reg = client(server)
    assert reg.request("HEAD", "app/manifests/v1").status_code == 404
    assert reg.tags("app").status_code == 404
    for blob in image.blobs:
        answer = reg.request("HEAD", f"app/blobs/{blob.digest}")
        assert (answer.status_code, answer.headers.get("Content-Length")) == (200, str(len(blob.data)))
    assert reg.put_manifest("app", "v1", image.manifest).status_code == 201


IMAGE = images.image("keep", labels={"k": "v"})
INDEX = images.index([images.image("a"), images.image("b", platform="linux/arm64")])


@pytest.mark.parametrize("content", [IMAGE, INDEX], ids=["image", "index"])
def test_committed_manifest_survives_kill(start_server: StartServer, content: images.Image | images.Index) -> None:
    """A manifest PUT answered before a SIGKILL is served byte for byte after restart."""
    server = start_server()
    assert client(server).push(content, "app", "v1").status_code == 201
    server.kill()
    server.start()
    reg = client(server)
    answer = reg.manifest("app", "v1")
    assert answer.status_code == 200
    assert answer.content == content.manifest.data
    assert answer.headers["Docker-Content-Digest"] == content.digest
    assert reg.tags("app").json()["tags"] == ["v1"]
    members = content.images if isinstance(content, images.Index) else [content]
    for blob in (b for image in members for b in image.blobs):
        assert reg.request("GET", f"app/blobs/{blob.digest}").content == blob.data

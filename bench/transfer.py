"""What the throughput benchmark moves, and how: payload files, unique blobs, one push and one pull.

Nothing holds a blob in memory: a push streams the payload file and a 16-byte suffix unique to
the push as its body (``BlobReader``), a pull reads into one reused buffer.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from bench.servers import BLOCK, Target

SUFFIX = 16


# -- payloads --------------------------------------------------------------------------------
@dataclass
class Payload:
    """``size - SUFFIX`` random bytes on disk; each blob is that file plus a unique suffix."""

    size: int
    path: Path
    hasher: hashlib._Hash  # sha256 of the file, to be copied and extended by a suffix

    @classmethod
    def create(cls, size: int, folder: Path) -> Payload:
        if size < SUFFIX:
            raise ValueError(f"sizes must be at least {SUFFIX} bytes")
        path = folder / f"payload-{size}"
        hasher = hashlib.sha256()
        left = size - SUFFIX
        with open(path, "wb") as fh:
            while left:
                block = os.urandom(min(BLOCK, left))
                hasher.update(block)
                fh.write(block)
                left -= len(block)
        return cls(size, path, hasher)

    def blob(self) -> Blob:
        suffix = secrets.token_bytes(SUFFIX)
        hasher = self.hasher.copy()
        hasher.update(suffix)
        return Blob(self, suffix, "sha256:" + hasher.hexdigest())


@dataclass
class Blob:
    payload: Payload
    suffix: bytes
    digest: str

    @property
    def size(self) -> int:
        return self.payload.size


class BlobReader:
    """File-like body for http.client: the payload file, then the suffix, read in big blocks."""

    def __init__(self, blob: Blob) -> None:
        self._fh = open(blob.payload.path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._suffix = blob.suffix

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n if n > 0 else BLOCK)
        if data:
            return data
        data, self._suffix = self._suffix, b""
        return data

    def close(self) -> None:
        self._fh.close()


# -- the client ------------------------------------------------------------------------------
def _path_of(location: str) -> str:
    url = urllib.parse.urlsplit(location)
    return url.path + (f"?{url.query}" if url.query else "")


def _expect(resp: http.client.HTTPResponse, status: int, what: str) -> None:
    body = resp.read(4096)
    if resp.status != status:
        raise RuntimeError(f"{what}: HTTP {resp.status} (wanted {status}): {body[:500]!r}")


def push(target: Target, image: str, blob: Blob) -> float:
    """Monolithic upload (POST, then PUT with the body); returns the seconds it took."""
    conn = target.connect()
    reader = BlobReader(blob)
    try:
        started = time.perf_counter()
        conn.request("POST", f"{target.root}/{image}/blobs/uploads/", headers={**target.headers, "Content-Length": "0"})
        resp = conn.getresponse()
        _expect(resp, 202, f"{target.name} POST upload")
        location = resp.getheader("Location")
        if not location:
            raise RuntimeError(f"{target.name}: upload start without Location")
        path = _path_of(location)
        sep = "&" if "?" in path else "?"
        headers = {
            **target.headers,
            "Content-Length": str(blob.size),
            "Content-Type": "application/octet-stream",
        }
        conn.request("PUT", f"{path}{sep}digest={blob.digest}", body=reader, headers=headers)
        resp = conn.getresponse()
        _expect(resp, 201, f"{target.name} PUT upload")
        elapsed = time.perf_counter() - started
        if resp.getheader("Docker-Content-Digest", blob.digest) != blob.digest:
            raise RuntimeError(
                f"{target.name}: pushed {blob.digest}, server says {resp.getheader('Docker-Content-Digest')}"
            )
        return elapsed
    finally:
        reader.close()
        conn.close()


def pull(target: Target, path: str, blob: Blob, buffer: memoryview, *, verify: bool) -> float:
    """GET into a sink with 1 MiB reads; returns the seconds it took.

    Every pull checks the length and the last 16 bytes (the suffix unique to this blob); with
    ``verify`` a sha256 runs over the data as it arrives, inside the timed loop, and must match
    the pushed digest.
    """
    conn = target.connect()
    hasher = hashlib.sha256()
    received = 0
    tail = b""
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers=target.headers)
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"{target.name} GET blob: HTTP {resp.status}: {resp.read(500)!r}")
        while n := resp.readinto(buffer):
            if verify:
                hasher.update(buffer[:n])
            tail = bytes(buffer[n - SUFFIX : n]) if n >= SUFFIX else (tail + bytes(buffer[:n]))[-SUFFIX:]
            received += n
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if received != blob.size or tail != blob.suffix:
        raise RuntimeError(
            f"{target.name}: pulled {received} bytes ending {tail.hex()}, expected {blob.size} ending "
            f"{blob.suffix.hex()} ({blob.digest})"
        )
    if verify and "sha256:" + hasher.hexdigest() != blob.digest:
        raise RuntimeError(f"{target.name}: pulled sha256:{hasher.hexdigest()}, expected {blob.digest}")
    return elapsed


def blob_path(target: Target, image: str, blob: Blob) -> str:
    return f"{target.root}/{image}/blobs/{blob.digest}"

"""Content-addressed blob files and resumable uploads.

A blob becomes visible only by ``os.replace`` of a fully written, digest-checked temp file
onto its final name, so a process killed at any instant leaves either the whole blob or
nothing.  Upload data is appended to ``uploads/<uuid>`` while a sha256 runs over it; the
running hash lives in memory and is rebuilt from the file after a restart.  Artifactory's sha1
and md5 of a file are hashed apart from that (``checksums_of``, ``checksums_of_file``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid as uuidlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

from .records import Checksums

# Patterns are used with fullmatch: `$` would also accept a trailing newline.
DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
CHUNK = 1 << 20


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def checksums_of(data: bytes) -> Checksums:
    return Checksums(hashlib.sha1(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest())


def checksums_of_file(path: Path) -> Checksums:
    """The checksums of a file, read a block at a time (a layer may be gigabytes)."""
    sha1, md5 = hashlib.sha1(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            sha1.update(block)
            md5.update(block)
    return Checksums(sha1.hexdigest(), md5.hexdigest())


class BlobStore:
    """Blob files under ``<root>/blobs`` and upload spools under ``<root>/uploads``."""

    def __init__(self, root: Path) -> None:
        self.blobs = root / "blobs" / "sha256"
        self.uploads = root / "uploads"
        self.tmp = root / "tmp"
        for folder in (self.blobs, self.uploads, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        # A write cut short before its rename is garbage: nothing refers to it.
        for stale in self.tmp.iterdir():
            stale.unlink(missing_ok=True)
        self._hashers: dict[str, hashlib._Hash] = {}

    def reset(self) -> None:
        """Remove every blob and upload file (the fault control's reset; the metadata goes first)."""
        self._hashers.clear()
        for folder in (self.blobs, self.uploads):
            shutil.rmtree(folder)
            folder.mkdir(parents=True)

    # -- committed blobs ---------------------------------------------------------------
    def path(self, digest: str) -> Path:
        hexpart = digest.split(":", 1)[1]
        return self.blobs / hexpart[:2] / hexpart

    def size(self, digest: str) -> int | None:
        try:
            return self.path(digest).stat().st_size
        except (OSError, IndexError):
            return None

    def read(self, digest: str, limit: int) -> bytes | None:
        """Small blobs only (configs, manifests): at most ``limit`` bytes, else None."""
        size = self.size(digest)
        if size is None or size > limit:
            return None
        return self.path(digest).read_bytes()

    def put_bytes(self, data: bytes) -> str:
        digest = sha256_digest(data)
        target = self.path(digest)
        if not target.exists():
            tmp = self.tmp / uuidlib.uuid4().hex
            tmp.write_bytes(data)
            self._install(tmp, target)
        return digest

    @contextmanager
    def staged(self, data: bytes) -> Iterator[str]:
        """``data`` at its content address while the block that records it runs: if the block
        fails, a file this call wrote goes again, so a refused manifest leaves no bytes behind.
        Nothing else can have named a new file meanwhile: the caller holds the storage lock."""
        existed = self.size(sha256_digest(data)) is not None
        digest = self.put_bytes(data)
        try:
            yield digest
        except BaseException:
            if not existed:
                self.delete(digest)
            raise

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def _install(self, tmp: Path, target: Path) -> None:
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp, target)

    # -- uploads -------------------------------------------------------------------------
    def start_upload(self) -> str:
        upload_id = str(uuidlib.uuid4())
        (self.uploads / upload_id).touch()
        self._hashers[upload_id] = hashlib.sha256()
        return upload_id

    def upload_size(self, upload_id: str) -> int | None:
        try:
            return (self.uploads / upload_id).stat().st_size
        except OSError:
            return None

    def _hasher(self, upload_id: str) -> hashlib._Hash:
        hasher = self._hashers.get(upload_id)
        if hasher is None:
            hasher = hashlib.sha256()
            with open(self.uploads / upload_id, "rb") as fh:
                while block := fh.read(CHUNK):
                    hasher.update(block)
            self._hashers[upload_id] = hasher
        return hasher

    async def append(self, upload_id: str, chunks: AsyncIterator[bytes], limit: int | None = None) -> int:
        """Append a request body; returns the bytes written.

        With ``limit`` the body must be exactly that long (a ``Content-Range`` chunk); a
        short or long body is undone so the upload stays at its previous offset.
        """
        path = self.uploads / upload_id
        hasher = self._hasher(upload_id)
        start = path.stat().st_size
        trial = hasher.copy()
        written = 0
        with open(path, "ab", buffering=0) as fh:
            try:
                async for chunk in chunks:
                    written += len(chunk)
                    if limit is not None and written > limit:
                        break
                    trial.update(chunk)
                    fh.write(chunk)
                if limit is not None and written != limit:
                    raise ValueError(f"chunk length {written} does not match Content-Range length {limit}")
            except BaseException:
                # A cut connection or a wrong length must not leave half a chunk behind.
                fh.truncate(start)
                raise
        self._hashers[upload_id] = trial
        return written

    def upload_digest(self, upload_id: str) -> str:
        return "sha256:" + self._hasher(upload_id).hexdigest()

    def commit_upload(self, upload_id: str, digest: str) -> None:
        """Move a finished upload to its content address (the caller checked the digest)."""
        self._hashers.pop(upload_id, None)
        source = self.uploads / upload_id
        target = self.path(digest)
        if target.exists():
            source.unlink(missing_ok=True)
        else:
            self._install(source, target)

    def cancel_upload(self, upload_id: str) -> None:
        self._hashers.pop(upload_id, None)
        (self.uploads / upload_id).unlink(missing_ok=True)

    def truncate_upload(self, upload_id: str) -> None:
        """Drop what an upload received so far; the session stays open at offset 0."""
        self.cancel_upload(upload_id)
        (self.uploads / upload_id).touch()

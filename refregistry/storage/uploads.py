"""Upload sessions through ``Storage``: data streams to a spool file, the blob appears on commit
(its sha1 and md5 are hashed just after, in a worker thread)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from .base import Base, locked


class Uploads(Base):
    @locked
    def start_upload(self, repo: str, image: str) -> str:
        """Open a session for a blob of ``repo``/``image``; returns its id."""
        upload_id = self._blobs.start_upload()
        self._meta.add_upload(upload_id, repo, image)
        return upload_id

    @locked
    def open_upload(self, repo: str, image: str, upload_id: str) -> int | None:
        """The bytes received so far by an upload open in ``repo``/``image``; None if there is none."""
        if self._meta.upload(upload_id) != (repo, image):
            return None
        return self._blobs.upload_size(upload_id)

    def upload_size(self, upload_id: str) -> int | None:
        return self._blobs.upload_size(upload_id)

    async def append_upload(self, upload_id: str, chunks: AsyncIterator[bytes], limit: int | None = None) -> int:
        """Append a request body; with ``limit`` it must be exactly that long (else ValueError, nothing kept)."""
        return await self._blobs.append(upload_id, chunks, limit)

    def upload_digest(self, upload_id: str) -> str:
        return self._blobs.upload_digest(upload_id)

    @locked
    def commit_upload(self, upload_id: str, digest: str) -> None:
        """The upload becomes blob ``digest`` of its repository (the caller checked the digest).

        Under the lock: a release running in a worker thread must not take the file for unused
        between its arrival and the row that holds it.
        """
        self._blobs.commit_upload(upload_id, digest)
        self._meta.finish_upload(upload_id, digest)
        self._hash_soon(digest)

    def _hash_soon(self, digest: str) -> None:
        """Hash a committed blob's sha1 and md5 in a worker thread, reading it back from the page
        cache: hashed inline with its sha256 as it arrived, they halved the push's throughput."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (Storage used directly): its first File Info hashes it
        loop.run_in_executor(None, self.checksums, digest)

    @locked
    def cancel_upload(self, upload_id: str) -> None:
        self._blobs.cancel_upload(upload_id)
        self._meta.finish_upload(upload_id, None)

    def truncate_upload(self, upload_id: str) -> None:
        """Drop what an upload received so far; the session stays open at offset 0."""
        self._blobs.truncate_upload(upload_id)

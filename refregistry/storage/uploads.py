"""Uploads through ``Storage``: data streams to a spool file, the blob appears on commit (its
sha1 and md5 are hashed just after, in a worker thread).

A *session* (``POST`` without a digest, then ``PATCH``/``PUT``) is a row of the ``uploads`` table and
a spool file: its client may come back to it, across restarts, until it has been idle (no byte
received: the spool's mtime) for ``upload_max_age`` seconds.  Then it has expired: it answers
BLOB_UPLOAD_UNKNOWN and its spool goes, as Artifactory's ``_uploads`` clean-up job deletes what was
last modified before ``artifactory.docker.cleanup.maxAgeMillis``.

A *transfer* (a monolithic ``POST ?digest=``, a remote repository's fetch) has no row: no client can
come back to it, so it lives only as long as the request in this process.  A spool that neither a
row nor a live transfer owns is garbage; the start-up sweep and the periodic one
(``sweep_uploads``) reclaim it, with the sessions that expired.  Deleting a repository takes its
sessions and transfers along (``_purge_uploads``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterator

from .base import Base, locked

SWEEP_STEP = 256  # sessions or spool files looked at per locked step of a sweep


class Uploads(Base):
    upload_max_age: float  # seconds a session may stay idle
    _transfers: dict[str, tuple[str, str]]  # live uploads without a session: id -> (repo, image)
    _receiving: set[str]  # uploads a request is appending to right now: never expired under it

    @locked
    def start_upload(self, repo: str, image: str, *, session: bool = True) -> str:
        """Open an upload for a blob of ``repo``/``image`` (``session``: one a client may resume); its id."""
        upload_id = self._blobs.start_upload()
        if session:
            self._meta.add_upload(upload_id, repo, image)
        else:
            self._transfers[upload_id] = (repo, image)
        return upload_id

    @locked
    def open_upload(self, repo: str, image: str, upload_id: str) -> int | None:
        """The bytes received so far by a session open in ``repo``/``image``; None if there is none
        (or it expired just now)."""
        if self._meta.upload(upload_id) != (repo, image) or self._expire(upload_id):
            return None
        return self._blobs.upload_size(upload_id)

    def upload_size(self, upload_id: str) -> int | None:
        return self._blobs.upload_size(upload_id)

    async def append_upload(self, upload_id: str, chunks: AsyncIterator[bytes], limit: int | None = None) -> int:
        """Append a request body; with ``limit`` it must be exactly that long (else ValueError, nothing kept)."""
        self._receiving.add(upload_id)
        try:
            return await self._blobs.append(upload_id, chunks, limit)
        finally:
            self._receiving.discard(upload_id)

    def upload_digest(self, upload_id: str) -> str:
        return self._blobs.upload_digest(upload_id)

    @locked
    def commit_upload(self, upload_id: str, digest: str) -> bool:
        """The upload becomes blob ``digest`` of its repository (the caller checked the digest).
        False, and nothing kept, if it went meanwhile (expired, its repository deleted).

        Under the lock: a release running in a worker thread must not take the file for unused
        between its arrival and the row that holds it.
        """
        owner = self._transfers.pop(upload_id, None) or self._meta.upload(upload_id)
        if owner is None or self._blobs.upload_size(upload_id) is None:
            self.cancel_upload(upload_id)
            return False
        self._blobs.commit_upload(upload_id, digest)
        self._meta.finish_upload(upload_id, digest, owner)
        self._hash_soon(digest)
        return True

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
        self._transfers.pop(upload_id, None)
        self._blobs.cancel_upload(upload_id)
        self._meta.finish_upload(upload_id, None, None)

    def truncate_upload(self, upload_id: str) -> None:
        """Drop what an upload received so far; the session stays open at offset 0."""
        self._blobs.truncate_upload(upload_id)

    # -- reclaiming spools ---------------------------------------------------------------------
    def sweep_uploads(self) -> Iterator[int]:
        """One pass over every session and every spool file, a locked step of at most SWEEP_STEP
        of them at a time; yields, after each step, how many uploads it reclaimed.  The caller
        paces the steps (the server answers requests between them)."""
        after = ""
        while True:
            with self._lock:
                ids = self._meta.uploads_after(after, SWEEP_STEP)
                reclaimed = sum(self._expire(upload_id) for upload_id in ids)
            yield reclaimed  # with the lock released: the caller answers requests meanwhile
            if len(ids) < SWEEP_STEP:
                break
            after = ids[-1]
        with os.scandir(self._blobs.uploads) as entries:
            while names := [entry.name for entry in itertools.islice(entries, SWEEP_STEP)]:
                with self._lock:
                    reclaimed = sum(self._reclaim(name) for name in names)
                yield reclaimed

    def _expire(self, upload_id: str) -> bool:
        """Cancel the upload if it has been idle too long (or lost its spool); whether it was."""
        if upload_id in self._receiving:
            return False
        try:
            idle = time.time() - (self._blobs.uploads / upload_id).stat().st_mtime
        except OSError:
            idle = float("inf")
        if idle <= self.upload_max_age:
            return False
        self.cancel_upload(upload_id)
        return True

    def _reclaim(self, name: str) -> bool:
        """Delete spool file ``name`` unless a session or a live transfer owns it; whether it went."""
        if name in self._transfers:
            return self._expire(name)
        if name in self._receiving or self._meta.upload(name) is not None:
            return False
        self._blobs.cancel_upload(name)
        return True

    def _purge_uploads(self, repo: str) -> None:
        """Cancel every session and transfer of ``repo`` (its key is being deleted)."""
        transfers = [upload_id for upload_id, (owner, _) in self._transfers.items() if owner == repo]
        for upload_id in self._meta.uploads_of(repo) + transfers:
            self.cancel_upload(upload_id)

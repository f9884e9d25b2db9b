"""What the parts of the ``Storage`` facade share: the stores, the lock, how an operation runs.

An operation is one metadata transaction under the lock; the blob files it let go of (its
``Released`` digests) are deleted after it commits, each only if nothing holds it by then, so a
killed process never leaves metadata naming a missing file.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from .blobs import BlobStore, checksums_of, checksums_of_file
from .meta import Metadata
from .naming import item_path
from .records import Checksums, Manifest
from .trash import Trash

P = ParamSpec("P")
R = TypeVar("R")
Released = list[str]  # digests whose blob files an operation may have let go of


class Base:
    root: Path
    keep_shared_blobs: bool
    trashcan: bool
    _blobs: BlobStore
    _meta: Metadata
    _trash: Trash
    # Held around every use of the one SQLite connection and around each check-then-delete of a
    # blob file.  Re-entrant: a verb calls others.  Work running in a worker thread takes it one
    # step at a time, so the event loop never waits on it for longer than one step.
    _lock: threading.RLock

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock, self._meta.transaction():
            yield

    @contextmanager
    def _storing(self, body: bytes) -> Iterator[None]:
        """A transaction that first stores a small blob (a manifest) with its checksums: if the
        transaction fails, bytes this call wrote go again, so a refused manifest leaves none."""
        with self._lock, self._blobs.staged(body) as digest, self._meta.transaction():
            self._meta.put_checksums(digest, checksums_of(body))
            yield

    def _step(self, change: Callable[[Released], R]) -> R:
        """One operation: ``change`` in one transaction, then the release of what it let go of."""
        released: Released = []
        with self._transaction():
            result = change(released)
        self._release(released)
        return result

    async def _off_loop(self, change: Callable[[Released], R]) -> R:
        """One operation, run in a worker thread: for those that grow with the data."""
        return await asyncio.to_thread(self._step, change)

    def _release(self, digests: Released) -> None:
        """Delete the blob files nothing holds any more: no repository, manifest or trash-can
        entry (all of them, without keep_shared_blobs).  A locked step per file."""
        for digest in dict.fromkeys(digests):
            with self._lock:
                if not self.keep_shared_blobs or not (self._meta.blob_in_use(digest) or self._trash.holds(digest)):
                    self._blobs.delete(digest)
                    self._meta.forget_checksums(digest)

    def checksums(self, digest: str) -> Checksums | None:
        """The sha1 and md5 of a blob file; None if there is no such file.  Unless known, the file
        is hashed now, streamed once, and remembered: call this off the event loop."""
        with self._lock:
            known = self._meta.checksums(digest)
        if known is not None:
            return known
        try:
            hashed = checksums_of_file(self._blobs.path(digest))
        except OSError:
            return None
        with self._lock:
            if self._blobs.size(digest) is not None:  # a release may have taken it meanwhile
                self._meta.put_checksums(digest, hashed)
        return hashed

    def _put_bytes(self, body: bytes) -> str:
        """Write a small blob (a manifest) with its checksums; returns its digest."""
        digest = self._blobs.put_bytes(body)
        self._meta.put_checksums(digest, checksums_of(body))
        return digest

    def _item_properties(self, m: Manifest) -> dict[str, list[str]]:
        """The properties of a manifest's item: in its first tag's folder, or its digest's."""
        tags = self._meta.tags_of(m.repo, m.image, m.digest)
        return self._meta.properties(m.repo, item_path(m.image, tags[0] if tags else None, m.digest, m.media_type))


S = TypeVar("S", bound=Base)


def locked(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    @functools.wraps(method)
    def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    return run

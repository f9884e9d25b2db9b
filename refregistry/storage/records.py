"""What the metadata tables hold, as records, and the connection every table module shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Manifest:
    repo: str
    image: str
    digest: str
    media_type: str
    size: int
    artifact_type: str | None = None
    subject: str | None = None
    annotations: str | None = None
    created: float = 0.0


@dataclass(frozen=True)
class Checksums:
    """Artifactory's checksums of a file beside its sha256 (the digest): hex sha1 and md5."""

    sha1: str
    md5: str


@dataclass(frozen=True)
class Ref:
    child: str
    kind: str  # "config" | "layer" | "manifest"
    size: int
    media_type: str
    platform: str | None = None


class Rows:
    """A connection to the metadata database, shared by the table modules (meta, tags, properties)."""

    db: sqlite3.Connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; inside one already open it joins it, and the outer one commits.

        Storage opens one per registry operation (a push with its retention, a delete with its
        cascade), so a killed process leaves the database at the last whole operation.
        """
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

"""The trash can: what deletes and tag retention remove, kept until restored or emptied.

Each entry is one manifest with its references, the tags it had and its item's properties,
as they were when it was removed.  While an entry exists its blobs stay on disk (``holds``);
restoring puts the manifest back with its tags, list members first.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass

from .records import Manifest, Ref

SCHEMA = """
CREATE TABLE IF NOT EXISTS trash (
  id INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, image TEXT NOT NULL, digest TEXT NOT NULL,
  tags TEXT NOT NULL, manifest TEXT NOT NULL, refs TEXT NOT NULL, props TEXT NOT NULL, deleted REAL NOT NULL);
CREATE INDEX IF NOT EXISTS trash_item ON trash (repo, image, digest);
CREATE TABLE IF NOT EXISTS trash_refs (trash_id INTEGER NOT NULL, child TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS trash_refs_child ON trash_refs (child);
"""


@dataclass
class Entry:
    id: int
    manifest: Manifest
    refs: list[Ref]
    tags: list[str]
    props: dict[str, list[str]]


class Trash:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.executescript(SCHEMA)

    def put(self, manifest: Manifest, refs: list[Ref], tags: list[str], props: dict[str, list[str]]) -> None:
        row = (
            manifest.repo,
            manifest.image,
            manifest.digest,
            json.dumps(tags),
            json.dumps(asdict(manifest)),
            json.dumps([asdict(r) for r in refs]),
            json.dumps(props),
            time.time(),
        )
        cursor = self.db.execute(
            "INSERT INTO trash (repo, image, digest, tags, manifest, refs, props, deleted) VALUES (?,?,?,?,?,?,?,?)",
            row,
        )
        self.db.executemany(
            "INSERT INTO trash_refs VALUES (?,?)",
            [(cursor.lastrowid, c) for c in [manifest.digest, *(r.child for r in refs)]],
        )

    def holds(self, digest: str) -> bool:
        return self.db.execute("SELECT 1 FROM trash_refs WHERE child=? LIMIT 1", (digest,)).fetchone() is not None

    def find(self, repo: str, image: str, folder: str) -> Entry | None:
        """The newest entry of ``image`` whose tag, or digest, is ``folder``."""
        rows = self.db.execute(
            "SELECT id, manifest, refs, tags, props, digest FROM trash WHERE repo=? AND image=? ORDER BY id DESC",
            (repo, image),
        ).fetchall()
        for row in rows:
            if row[5] == folder or folder in json.loads(row[3]):
                return Entry(
                    row[0],
                    Manifest(**json.loads(row[1])),
                    [Ref(**r) for r in json.loads(row[2])],
                    json.loads(row[3]),
                    json.loads(row[4]),
                )
        return None

    def images(self, repo: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT image FROM trash WHERE repo=?", (repo,))]

    def remove(self, entry_id: int) -> None:
        self.db.execute("DELETE FROM trash WHERE id=?", (entry_id,))
        self.db.execute("DELETE FROM trash_refs WHERE trash_id=?", (entry_id,))

    def empty(self) -> list[str]:
        """Drop every entry; returns the digests they held (for the caller to release)."""
        held = [r[0] for r in self.db.execute("SELECT DISTINCT child FROM trash_refs")]
        self.db.execute("DELETE FROM trash")
        self.db.execute("DELETE FROM trash_refs")
        return held

    def purge(self, repo: str) -> list[str]:
        """Drop ``repo``'s entries; returns the digests they held."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM trash WHERE repo=?", (repo,))]
        held = [r[0] for i in ids for r in self.db.execute("SELECT child FROM trash_refs WHERE trash_id=?", (i,))]
        for entry_id in ids:
            self.remove(entry_id)
        return held

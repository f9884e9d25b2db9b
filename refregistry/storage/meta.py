"""Registry metadata in SQLite: what each repository holds and how it hangs together.

Tables (one write transaction per registry operation, WAL journal, so a killed process
leaves the database at the last committed operation):

=============  ======================================================================
repo_blobs     a blob present in a repository (uploaded there, or referenced by it)
uploads        open upload sessions: uuid -> repository and image
manifests      a manifest in repo/image, by digest, with its media and artifact type
manifest_refs  manifest -> child: config and layers (blobs) or sub-manifests (lists)
tags           the tag's current manifest                               (tags.py)
tag_history    every push of a tag, oldest first (what tag retention evicts from)
properties     Artifactory item properties, keyed by the item's path    (properties.py)
checksums      a blob file's sha1 and md5, by digest                    (filemeta.py)
downloads      an item's download count, last time and user             (filemeta.py)
=============  ======================================================================

One connection, used from the event loop and from worker threads alike: ``Storage`` holds its
lock around every use (``check_same_thread=False`` only lets the threads share it).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from .filemeta import FileRows
from .naming import item_path
from .pages import PageRows
from .properties import PropertyRows, drop_folder_items, set_properties
from .records import Manifest, Ref
from .tags import TagRows

SCHEMA = """
CREATE TABLE IF NOT EXISTS repo_blobs (
  repo TEXT NOT NULL, digest TEXT NOT NULL, image TEXT NOT NULL, created REAL NOT NULL,
  PRIMARY KEY (repo, digest));
CREATE TABLE IF NOT EXISTS uploads (
  uuid TEXT PRIMARY KEY, repo TEXT NOT NULL, image TEXT NOT NULL, started REAL NOT NULL);
CREATE TABLE IF NOT EXISTS manifests (
  repo TEXT NOT NULL, image TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL,
  size INTEGER NOT NULL, artifact_type TEXT, subject TEXT, annotations TEXT,
  created REAL NOT NULL, PRIMARY KEY (repo, image, digest));
CREATE INDEX IF NOT EXISTS manifests_subject ON manifests (repo, image, subject);
CREATE TABLE IF NOT EXISTS manifest_refs (
  repo TEXT NOT NULL, image TEXT NOT NULL, digest TEXT NOT NULL, child TEXT NOT NULL,
  kind TEXT NOT NULL, size INTEGER NOT NULL, media_type TEXT NOT NULL, platform TEXT,
  PRIMARY KEY (repo, image, digest, child));
CREATE INDEX IF NOT EXISTS manifest_refs_child ON manifest_refs (child);
CREATE TABLE IF NOT EXISTS tags (
  repo TEXT NOT NULL, image TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,
  updated REAL NOT NULL, PRIMARY KEY (repo, image, tag));
CREATE INDEX IF NOT EXISTS tags_digest ON tags (repo, image, digest);
CREATE TABLE IF NOT EXISTS tag_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, image TEXT NOT NULL,
  tag TEXT NOT NULL, digest TEXT NOT NULL, pushed REAL NOT NULL);
CREATE TABLE IF NOT EXISTS properties (
  repo TEXT NOT NULL, path TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (repo, path, key, value));
CREATE INDEX IF NOT EXISTS properties_kv ON properties (key, value);
CREATE TABLE IF NOT EXISTS checksums (digest TEXT PRIMARY KEY, sha1 TEXT NOT NULL, md5 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS downloads (
  repo TEXT NOT NULL, path TEXT NOT NULL, count INTEGER NOT NULL, last REAL NOT NULL, user TEXT NOT NULL,
  PRIMARY KEY (repo, path));
"""


REPO_TABLES = ("repo_blobs", "uploads", "manifests", "manifest_refs", "tags", "tag_history")


class Metadata(TagRows, PropertyRows, FileRows, PageRows):
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def reset(self) -> None:
        """Empty every table, the trash can's included (the fault control's reset)."""
        tables = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        with self.transaction() as db:
            for table in tables:
                if not table.startswith("sqlite_"):
                    db.execute(f"DELETE FROM {table}")

    # -- uploads and repository blobs -------------------------------------------------------
    def add_upload(self, upload_id: str, repo: str, image: str) -> None:
        self.db.execute("INSERT INTO uploads VALUES (?,?,?,?)", (upload_id, repo, image, time.time()))

    def upload(self, upload_id: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT repo, image FROM uploads WHERE uuid=?", (upload_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def uploads_after(self, after: str, limit: int) -> list[str]:
        """The ids of up to ``limit`` sessions following ``after``, in id order (keyset on the key)."""
        rows = self.db.execute("SELECT uuid FROM uploads WHERE uuid > ? ORDER BY uuid LIMIT ?", (after, limit))
        return [r[0] for r in rows]

    def uploads_of(self, repo: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT uuid FROM uploads WHERE repo=?", (repo,))]

    def finish_upload(self, upload_id: str, digest: str | None, owner: tuple[str, str] | None) -> None:
        """Close an upload; with ``digest``, its blob is now present in ``owner``'s (repo, image)."""
        with self.transaction() as db:
            db.execute("DELETE FROM uploads WHERE uuid=?", (upload_id,))
            if owner and digest:
                repo, image = owner
                db.execute("INSERT OR IGNORE INTO repo_blobs VALUES (?,?,?,?)", (repo, digest, image, time.time()))

    def has_blob(self, repo: str, digest: str) -> bool:
        row = self.db.execute("SELECT 1 FROM repo_blobs WHERE repo=? AND digest=?", (repo, digest)).fetchone()
        return row is not None

    # -- manifests -------------------------------------------------------------------------
    def put_manifest(self, m: Manifest, refs: Iterable[Ref], tag: str | None, props: dict[str, list[str]]) -> None:
        """Record a pushed manifest, its references, its tag and its item's properties at once."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO manifests VALUES (?,?,?,?,?,?,?,?,"
                " COALESCE((SELECT created FROM manifests WHERE repo=? AND image=? AND digest=?), ?))",
                (
                    m.repo,
                    m.image,
                    m.digest,
                    m.media_type,
                    m.size,
                    m.artifact_type,
                    m.subject,
                    m.annotations,
                    m.repo,
                    m.image,
                    m.digest,
                    now,
                ),
            )
            for ref in refs:
                db.execute(
                    "INSERT OR REPLACE INTO manifest_refs VALUES (?,?,?,?,?,?,?,?)",
                    (m.repo, m.image, m.digest, ref.child, ref.kind, ref.size, ref.media_type, ref.platform),
                )
                if ref.kind != "manifest":
                    db.execute("INSERT OR IGNORE INTO repo_blobs VALUES (?,?,?,?)", (m.repo, ref.child, m.image, now))
            if tag is not None:
                db.execute("INSERT OR REPLACE INTO tags VALUES (?,?,?,?,?)", (m.repo, m.image, tag, m.digest, now))
                db.execute(
                    "INSERT INTO tag_history (repo, image, tag, digest, pushed) VALUES (?,?,?,?,?)",
                    (m.repo, m.image, tag, m.digest, now),
                )
            set_properties(db, m.repo, item_path(m.image, tag, m.digest, m.media_type), props)

    def manifest(self, repo: str, image: str, digest: str) -> Manifest | None:
        row = self.db.execute(
            "SELECT * FROM manifests WHERE repo=? AND image=? AND digest=?", (repo, image, digest)
        ).fetchone()
        return Manifest(*row) if row else None

    def has_image(self, repo: str, image: str) -> bool:
        row = self.db.execute("SELECT 1 FROM manifests WHERE repo=? AND image=? LIMIT 1", (repo, image)).fetchone()
        return row is not None

    def images(self, repo: str | None = None) -> list[tuple[str, str]]:
        """(repo, image) pairs that hold at least one manifest, sorted."""
        if repo is None:
            rows = self.db.execute("SELECT DISTINCT repo, image FROM manifests ORDER BY repo, image")
        else:
            rows = self.db.execute("SELECT DISTINCT repo, image FROM manifests WHERE repo=? ORDER BY image", (repo,))
        return [(r[0], r[1]) for r in rows]

    def refs(self, repo: str, image: str, digest: str) -> list[Ref]:
        rows = self.db.execute(
            "SELECT child, kind, size, media_type, platform FROM manifest_refs"
            " WHERE repo=? AND image=? AND digest=? ORDER BY rowid",
            (repo, image, digest),
        )
        return [Ref(*r) for r in rows]

    def untagged(self, repo: str, image: str) -> list[Manifest]:
        rows = self.db.execute(
            "SELECT * FROM manifests m WHERE repo=? AND image=? AND NOT EXISTS"
            " (SELECT 1 FROM tags t WHERE t.repo=m.repo AND t.image=m.image AND t.digest=m.digest)"
            " ORDER BY digest",
            (repo, image),
        )
        return [Manifest(*r) for r in rows]

    def referrers(self, repo: str, image: str, subject: str) -> list[Manifest]:
        rows = self.db.execute(
            "SELECT * FROM manifests WHERE repo=? AND image=? AND subject=? ORDER BY digest", (repo, image, subject)
        )
        return [Manifest(*r) for r in rows]

    def delete_manifest(self, repo: str, image: str, digest: str) -> list[Ref]:
        """Remove a manifest, every tag on it and its references; returns those references."""
        refs = self.refs(repo, image, digest)
        with self.transaction() as db:
            for tag in [*self.tags_of(repo, image, digest), digest]:
                drop_folder_items(db, repo, f"{image}/{tag}/")
            db.execute("DELETE FROM tags WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
            db.execute("DELETE FROM manifest_refs WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
            db.execute("DELETE FROM manifests WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
        return refs

    # -- what still holds a manifest or a blob ----------------------------------------------
    def held(self, repo: str, image: str, digest: str) -> bool:
        """Whether a tag or a manifest list of the image holds manifest ``digest``: then it stays
        when what else pointed at it goes (a delete's cascade, tag retention)."""
        return self.parents_in_repo(repo, image, digest) > 0 or bool(self.tags_of(repo, image, digest))

    def parents_in_repo(self, repo: str, image: str, child: str) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM manifest_refs WHERE repo=? AND image=? AND child=?", (repo, image, child)
        ).fetchone()
        return int(row[0])

    def parent_lists(self, repo: str, child: str) -> list[tuple[str, str]]:
        """(image, digest) of every manifest list or index of ``repo`` that holds manifest ``child``."""
        rows = self.db.execute(
            "SELECT DISTINCT image, digest FROM manifest_refs WHERE repo=? AND child=? AND kind='manifest'"
            " ORDER BY image, digest",
            (repo, child),
        )
        return [(r[0], r[1]) for r in rows]

    def repo_uses_blob(self, repo: str, digest: str) -> bool:
        row = self.db.execute("SELECT 1 FROM manifest_refs WHERE repo=? AND child=? LIMIT 1", (repo, digest)).fetchone()
        return row is not None

    def unlink_blob(self, repo: str, digest: str) -> None:
        self.db.execute("DELETE FROM repo_blobs WHERE repo=? AND digest=?", (repo, digest))

    def blob_in_use(self, digest: str) -> bool:
        """Whether any repository or manifest (as its own bytes or as a reference) still holds ``digest``."""
        for sql in (
            "SELECT 1 FROM repo_blobs WHERE digest=? LIMIT 1",
            "SELECT 1 FROM manifests WHERE digest=? LIMIT 1",
            "SELECT 1 FROM manifest_refs WHERE child=? LIMIT 1",
        ):
            if self.db.execute(sql, (digest,)).fetchone():
                return True
        return False

    def purge(self, repo: str) -> list[str]:
        """Forget every row of ``repo``; returns the digests it held, for their files to be checked."""
        with self.transaction() as db:
            held = {r[0] for r in db.execute("SELECT digest FROM repo_blobs WHERE repo=?", (repo,))}
            held |= {r[0] for r in db.execute("SELECT digest FROM manifests WHERE repo=?", (repo,))}
            for table in (*REPO_TABLES, "properties", "downloads"):
                db.execute(f"DELETE FROM {table} WHERE repo=?", (repo,))
        return sorted(held)

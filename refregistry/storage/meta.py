"""Registry metadata in SQLite: what each repository holds and how it hangs together.

Tables (one write transaction per registry operation, WAL journal, so a killed process
leaves the database at the last committed operation):

=============  ======================================================================
repo_blobs     a blob present in a repository (uploaded there, or referenced by it)
uploads        open upload sessions: uuid -> repository and image
manifests      a manifest in repo/image, by digest, with its media and artifact type
manifest_refs  manifest -> child: config and layers (blobs) or sub-manifests (lists)
tags           the tag's current manifest
tag_history    every push of a tag, oldest first (what tag retention evicts from)
properties     Artifactory item properties, keyed by the item's path in the repository
=============  ======================================================================
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..mediatypes import LIST_TYPES

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
"""


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
class Ref:
    child: str
    kind: str  # "config" | "layer" | "manifest"
    size: int
    media_type: str
    platform: str | None = None


class Metadata:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

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

    def finish_upload(self, upload_id: str, digest: str | None) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT repo, image FROM uploads WHERE uuid=?", (upload_id,)).fetchone()
            db.execute("DELETE FROM uploads WHERE uuid=?", (upload_id,))
            if row and digest:
                db.execute("INSERT OR IGNORE INTO repo_blobs VALUES (?,?,?,?)", (row[0], digest, row[1], time.time()))

    def link_blob(self, repo: str, image: str, digest: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO repo_blobs VALUES (?,?,?,?)", (repo, digest, image, time.time()))

    def has_blob(self, repo: str, digest: str) -> bool:
        row = self.db.execute("SELECT 1 FROM repo_blobs WHERE repo=? AND digest=?", (repo, digest)).fetchone()
        return row is not None

    # -- manifests and tags -----------------------------------------------------------------
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
            path = item_path(m.image, tag, m.digest, m.media_type)
            db.execute("DELETE FROM properties WHERE repo=? AND path=?", (m.repo, path))
            for key, values in props.items():
                for value in values:
                    db.execute("INSERT OR IGNORE INTO properties VALUES (?,?,?,?)", (m.repo, path, key, value))

    def manifest(self, repo: str, image: str, digest: str) -> Manifest | None:
        row = self.db.execute(
            "SELECT * FROM manifests WHERE repo=? AND image=? AND digest=?", (repo, image, digest)
        ).fetchone()
        return Manifest(*row) if row else None

    def resolve(self, repo: str, image: str, tag: str) -> str | None:
        row = self.db.execute(
            "SELECT digest FROM tags WHERE repo=? AND image=? AND tag=?", (repo, image, tag)
        ).fetchone()
        return row[0] if row else None

    def tag_updated(self, repo: str, image: str, tag: str) -> float | None:
        row = self.db.execute(
            "SELECT updated FROM tags WHERE repo=? AND image=? AND tag=?", (repo, image, tag)
        ).fetchone()
        return row[0] if row else None

    def touch_tag(self, repo: str, image: str, tag: str) -> None:
        """Mark a tag as checked now, without a new push (a remote repository's revalidation)."""
        self.db.execute("UPDATE tags SET updated=? WHERE repo=? AND image=? AND tag=?", (time.time(), repo, image, tag))

    def tags(self, repo: str, image: str, *, by_push: bool = False) -> list[tuple[str, str]]:
        """(tag, digest) pairs of an image, in tag order (or oldest push first)."""
        order = "updated, tag" if by_push else "tag"
        rows = self.db.execute(f"SELECT tag, digest FROM tags WHERE repo=? AND image=? ORDER BY {order}", (repo, image))
        return [(r[0], r[1]) for r in rows]

    def revisions(self, repo: str, image: str, tag: str) -> list[str]:
        """Digests ``tag`` has pointed at since it was (re)created, newest first, each once."""
        rows = self.db.execute(
            "SELECT digest, MAX(id) AS last FROM tag_history WHERE repo=? AND image=? AND tag=?"
            " GROUP BY digest ORDER BY last DESC",
            (repo, image, tag),
        )
        return [r[0] for r in rows]

    def tags_by_age(self, repo: str, image: str) -> list[str]:
        """The image's tag names, the one created first (first push since its creation) first."""
        rows = self.db.execute(
            "SELECT t.tag FROM tags t JOIN tag_history h ON h.repo=t.repo AND h.image=t.image AND h.tag=t.tag"
            " WHERE t.repo=? AND t.image=? GROUP BY t.tag ORDER BY MIN(h.id)",
            (repo, image),
        )
        return [r[0] for r in rows]

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

    def untag(self, repo: str, image: str, tag: str) -> str | None:
        """Remove a tag and its item's properties; returns the digest it pointed at."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT digest FROM tags WHERE repo=? AND image=? AND tag=?", (repo, image, tag)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM tags WHERE repo=? AND image=? AND tag=?", (repo, image, tag))
            # A tag pushed again later is a new tag: its age and revisions start over.
            db.execute("DELETE FROM tag_history WHERE repo=? AND image=? AND tag=?", (repo, image, tag))
            _drop_folder_properties(db, repo, f"{image}/{tag}/")
            return row[0]

    def delete_manifest(self, repo: str, image: str, digest: str) -> list[Ref]:
        """Remove a manifest, every tag on it and its references; returns those references."""
        refs = self.refs(repo, image, digest)
        with self.transaction() as db:
            tags = [
                r[0]
                for r in db.execute("SELECT tag FROM tags WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
            ]
            for tag in [*tags, digest]:
                _drop_folder_properties(db, repo, f"{image}/{tag}/")
            db.execute("DELETE FROM tags WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
            db.execute("DELETE FROM manifest_refs WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
            db.execute("DELETE FROM manifests WHERE repo=? AND image=? AND digest=?", (repo, image, digest))
        return refs

    # -- what still holds a blob ------------------------------------------------------------
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
        """Whether any repository, manifest or upload of any repository still holds ``digest``."""
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
            for table in ("repo_blobs", "uploads", "manifests", "manifest_refs", "tags", "tag_history", "properties"):
                db.execute(f"DELETE FROM {table} WHERE repo=?", (repo,))
        return sorted(held)

    # -- properties -----------------------------------------------------------------------
    def properties(self, repo: str, path: str) -> dict[str, list[str]]:
        props: dict[str, list[str]] = {}
        for key, value in self.db.execute(
            "SELECT key, value FROM properties WHERE repo=? AND path=? ORDER BY key, value", (repo, path)
        ):
            props.setdefault(key, []).append(value)
        return props

    def search_properties(self, wanted: dict[str, list[str]], repos: list[str] | None) -> list[tuple[str, str]]:
        """Items having every key of ``wanted`` with one of its values (no values: any)."""
        found: set[tuple[str, str]] | None = None
        for key, values in wanted.items():
            sql = "SELECT repo, path FROM properties WHERE key=?"
            args: list[str] = [key]
            if values:
                sql += f" AND value IN ({','.join('?' * len(values))})"
                args += values
            hits = {(r[0], r[1]) for r in self.db.execute(sql, args)}
            found = hits if found is None else found & hits
        items = sorted(found or ())
        return [i for i in items if repos is None or i[0] in repos]


def item_path(image: str, tag: str | None, digest: str, media_type: str) -> str:
    """Artifactory's path of a manifest item: ``image/<tag>/manifest.json`` and friends."""
    folder = tag if tag is not None else digest
    name = "list.manifest.json" if media_type in LIST_TYPES else "manifest.json"
    return f"{image}/{folder}/{name}"


def _drop_folder_properties(db: sqlite3.Connection, repo: str, folder: str) -> None:
    """Drop the properties of the items directly in ``folder``.

    Compared byte for byte: LIKE is case-insensitive (tag V1 is not v1), and a nested image
    (``app/v1/...``) lives below the folder of tag v1 of ``app`` without belonging to it.
    """
    db.execute(
        "DELETE FROM properties WHERE repo=? AND substr(path, 1, ?)=? AND instr(substr(path, ?), '/')=0",
        (repo, len(folder), folder, len(folder) + 1),
    )


def dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))

"""The ``properties`` table: Artifactory item properties, keyed by the item's path (naming.py).

A folder's path has no trailing slash (``app/1``); the repository's root is the empty path.
"""

from __future__ import annotations

import sqlite3

from .records import Rows


class PropertyRows(Rows):
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

    def change_properties(self, repo: str, paths: list[str], added: dict[str, list[str]], removed: list[str]) -> None:
        """On each item of ``paths``: each key of ``added`` takes those values (its others go), each
        key of ``removed`` goes; keys named in neither stay."""
        with self.transaction() as db:
            gone = [(repo, p, key) for p in paths for key in [*added, *removed]]
            db.executemany("DELETE FROM properties WHERE repo=? AND path=? AND key=?", gone)
            rows = [(repo, p, key, value) for p in paths for key, values in added.items() for value in values]
            db.executemany("INSERT OR IGNORE INTO properties VALUES (?,?,?,?)", rows)


def set_properties(db: sqlite3.Connection, repo: str, path: str, props: dict[str, list[str]]) -> None:
    """Replace the properties of one item."""
    db.execute("DELETE FROM properties WHERE repo=? AND path=?", (repo, path))
    for key, values in props.items():
        for value in values:
            db.execute("INSERT OR IGNORE INTO properties VALUES (?,?,?,?)", (repo, path, key, value))


def drop_folder_items(db: sqlite3.Connection, repo: str, folder: str) -> None:
    """Drop the properties and download counts of ``folder`` (``image/tag/``) and of the items directly in it.

    Compared byte for byte: LIKE is case-insensitive (tag V1 is not v1), and a nested image
    (``app/v1/...``) lives below the folder of tag v1 of ``app`` without belonging to it.
    """
    inside = "substr(path, 1, ?)=? AND instr(substr(path, ?), '/')=0"
    for table in ("properties", "downloads"):
        db.execute(
            f"DELETE FROM {table} WHERE repo=? AND (path=? OR ({inside}))",
            (repo, folder.rstrip("/"), len(folder), folder, len(folder) + 1),
        )


def drop_tree_items(db: sqlite3.Connection, repo: str, path: str) -> None:
    """Drop the properties and download counts of the folder ``path`` and of everything below it."""
    below = f"{path}/" if path else ""
    for table in ("properties", "downloads"):
        db.execute(
            f"DELETE FROM {table} WHERE repo=? AND (path=? OR substr(path, 1, ?)=?)", (repo, path, len(below), below)
        )

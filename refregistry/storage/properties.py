"""The ``properties`` table: Artifactory item properties, keyed by the item's path (naming.py)."""

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


def set_properties(db: sqlite3.Connection, repo: str, path: str, props: dict[str, list[str]]) -> None:
    """Replace the properties of one item."""
    db.execute("DELETE FROM properties WHERE repo=? AND path=?", (repo, path))
    for key, values in props.items():
        for value in values:
            db.execute("INSERT OR IGNORE INTO properties VALUES (?,?,?,?)", (repo, path, key, value))


def drop_folder_properties(db: sqlite3.Connection, repo: str, folder: str) -> None:
    """Drop the properties of the items directly in ``folder``.

    Compared byte for byte: LIKE is case-insensitive (tag V1 is not v1), and a nested image
    (``app/v1/...``) lives below the folder of tag v1 of ``app`` without belonging to it.
    """
    db.execute(
        "DELETE FROM properties WHERE repo=? AND substr(path, 1, ?)=? AND instr(substr(path, ?), '/')=0",
        (repo, len(folder), folder, len(folder) + 1),
    )

"""Pages of ``tags/list`` and ``_catalog`` straight from the index: keyset on the sorted name.

A page is the names after the last one seen, in order, read from the primary key's index (tags:
``(repo, image, tag)``; images: ``(repo, image, digest)``), so it costs the same with a thousand
names as with a hundred thousand.  SQLite compares TEXT bytewise, which for UTF-8 is the order
of Python's ``str`` comparison: the handlers merge and compare keys in the same order.
"""

from __future__ import annotations

from .records import Rows

NO_LIMIT = -1  # SQLite's LIMIT for "all of them"


class PageRows(Rows):
    def tag_page(self, repo: str, image: str, after: str, limit: int | None) -> list[str]:
        """The image's tags after ``after``, in order, at most ``limit`` (None: all)."""
        rows = self.db.execute(
            "SELECT tag FROM tags WHERE repo=? AND image=? AND tag > ? ORDER BY tag LIMIT ?",
            (repo, image, after, NO_LIMIT if limit is None else limit),
        )
        return [r[0] for r in rows]

    def image_page(self, repo: str, after: str, limit: int | None) -> list[str]:
        """The repository's images (those holding a manifest) after ``after``, in order, at most ``limit``."""
        rows = self.db.execute(
            "SELECT DISTINCT image FROM manifests WHERE repo=? AND image > ? ORDER BY image LIMIT ?",
            (repo, after, NO_LIMIT if limit is None else limit),
        )
        return [r[0] for r in rows]

"""The ``tags`` and ``tag_history`` tables: where each tag points, and every push of it."""

from __future__ import annotations

import time

from .properties import drop_folder_items
from .records import Rows


class TagRows(Rows):
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

    def tags_of(self, repo: str, image: str, digest: str) -> list[str]:
        """The tags pointing at ``digest``, in tag order."""
        rows = self.db.execute(
            "SELECT tag FROM tags WHERE repo=? AND image=? AND digest=? ORDER BY tag", (repo, image, digest)
        )
        return [r[0] for r in rows]

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
            drop_folder_items(db, repo, f"{image}/{tag}/")
            return str(row[0])

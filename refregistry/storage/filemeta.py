"""The ``checksums`` and ``downloads`` tables: what Artifactory reports of a file beyond its bytes.

``checksums`` holds the sha1 and md5 of a blob file by digest (its sha256), hashed as it is
stored (a manifest), just after in a worker thread (an upload), or once on first demand (a file
written before they were kept).  ``downloads`` counts the
downloads of an item through ``GET /artifactory/<repo>/<path>`` (its statistics).
"""

from __future__ import annotations

import time

from .records import Checksums, Rows


class FileRows(Rows):
    def checksums(self, digest: str) -> Checksums | None:
        row = self.db.execute("SELECT sha1, md5 FROM checksums WHERE digest=?", (digest,)).fetchone()
        return Checksums(row[0], row[1]) if row else None

    def put_checksums(self, digest: str, checksums: Checksums) -> None:
        self.db.execute("INSERT OR IGNORE INTO checksums VALUES (?,?,?)", (digest, checksums.sha1, checksums.md5))

    def forget_checksums(self, digest: str) -> None:
        self.db.execute("DELETE FROM checksums WHERE digest=?", (digest,))

    def count_download(self, repo: str, path: str, user: str) -> None:
        self.db.execute(
            "INSERT INTO downloads VALUES (?,?,1,?,?) ON CONFLICT (repo, path)"
            " DO UPDATE SET count=count+1, last=excluded.last, user=excluded.user",
            (repo, path, time.time(), user),
        )

    def downloads(self, repo: str, path: str) -> tuple[int, float, str]:
        """(count, last download's time, its user) of an item; (0, 0.0, "") if never downloaded."""
        sql = "SELECT count, last, user FROM downloads WHERE repo=? AND path=?"
        row = self.db.execute(sql, (repo, path)).fetchone()
        return (int(row[0]), float(row[1]), str(row[2])) if row else (0, 0.0, "")

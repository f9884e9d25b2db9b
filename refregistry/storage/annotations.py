"""What the REST API writes about items through ``Storage``: their properties, their downloads."""

from __future__ import annotations

from .base import Base, locked


class Annotations(Base):
    @locked
    def change_properties(self, repo: str, paths: list[str], added: dict[str, list[str]], removed: list[str]) -> None:
        """On every item of ``paths``, in one transaction: each key of ``added`` takes those values
        (replacing its others), each key of ``removed`` goes."""
        self._meta.change_properties(repo, paths, added, removed)

    @locked
    def count_download(self, repo: str, path: str, user: str) -> None:
        """One more download of the item at ``path``, now, by ``user``."""
        self._meta.count_download(repo, path, user)

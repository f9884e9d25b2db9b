"""What the handlers read through ``Storage``: manifests, tags, listings, properties, blob files.

Each read holds the storage lock, so it never sees a change a worker thread is half-way through.
"""

from __future__ import annotations

from pathlib import Path

from .base import Base, locked
from .records import Manifest, Ref


class Reads(Base):
    @locked
    def manifest(self, repo: str, image: str, digest: str) -> Manifest | None:
        return self._meta.manifest(repo, image, digest)

    @locked
    def refs(self, repo: str, image: str, digest: str) -> list[Ref]:
        """The config and layers of a manifest, or the members of a list, in manifest order."""
        return self._meta.refs(repo, image, digest)

    @locked
    def referrers(self, repo: str, image: str, subject: str) -> list[Manifest]:
        """The manifests of the image naming ``subject``, by digest."""
        return self._meta.referrers(repo, image, subject)

    @locked
    def parent_lists(self, repo: str, digest: str) -> list[tuple[str, str]]:
        """(image, digest) of every manifest list or index of ``repo`` that holds manifest ``digest``."""
        return self._meta.parent_lists(repo, digest)

    @locked
    def resolve(self, repo: str, image: str, tag: str) -> str | None:
        """The digest ``tag`` points at."""
        return self._meta.resolve(repo, image, tag)

    @locked
    def tag_updated(self, repo: str, image: str, tag: str) -> float | None:
        """When ``tag`` was last pushed (or, in a remote repository, checked upstream)."""
        return self._meta.tag_updated(repo, image, tag)

    @locked
    def tags(self, repo: str, image: str, *, by_push: bool = False) -> list[tuple[str, str]]:
        """(tag, digest) pairs of an image, in tag order (or oldest push first)."""
        return self._meta.tags(repo, image, by_push=by_push)

    @locked
    def tags_of(self, repo: str, image: str, digest: str) -> list[str]:
        """The tags pointing at ``digest``, in tag order."""
        return self._meta.tags_of(repo, image, digest)

    @locked
    def untagged(self, repo: str, image: str) -> list[Manifest]:
        """The image's manifests no tag points at (list members, digest pushes), by digest."""
        return self._meta.untagged(repo, image)

    @locked
    def images(self, repo: str | None = None) -> list[tuple[str, str]]:
        """(repo, image) pairs that hold at least one manifest, sorted."""
        return self._meta.images(repo)

    @locked
    def tag_page(self, repo: str, image: str, after: str, limit: int | None) -> list[str]:
        """The image's tags after ``after`` in tag order, at most ``limit`` (None: all); from the index."""
        return self._meta.tag_page(repo, image, after, limit)

    @locked
    def image_page(self, repo: str, after: str, limit: int | None) -> list[str]:
        """The repository's images after ``after`` in name order, at most ``limit`` (None: all); from the index."""
        return self._meta.image_page(repo, after, limit)

    @locked
    def has_image(self, repo: str, image: str) -> bool:
        return self._meta.has_image(repo, image)

    @locked
    def has_blob(self, repo: str, digest: str) -> bool:
        """Whether ``repo`` holds the blob, fetched or not (a remote links layers before their files)."""
        return self._meta.has_blob(repo, digest)

    @locked
    def blob_size(self, repo: str, digest: str) -> int | None:
        """Size of a blob as seen from ``repo``: None unless it was pushed there and its file is there."""
        if not self._meta.has_blob(repo, digest):
            return None
        return self._blobs.size(digest)

    @locked
    def properties(self, repo: str, path: str) -> dict[str, list[str]]:
        """The properties of the item at ``path`` (naming.py)."""
        return self._meta.properties(repo, path)

    @locked
    def search_properties(self, wanted: dict[str, list[str]], repos: list[str] | None) -> list[tuple[str, str]]:
        """(repo, path) of the items having every key of ``wanted`` with one of its values (no values: any)."""
        return self._meta.search_properties(wanted, repos)

    @locked
    def downloads(self, repo: str, path: str) -> tuple[int, float, str]:
        """(count, last download's time, its user) of the item at ``path``."""
        return self._meta.downloads(repo, path)

    # Blob files by digest, whichever repository holds them: a file is written once, under its
    # content's name, and only the lock-holding release removes it.
    def content_size(self, digest: str) -> int | None:
        return self._blobs.size(digest)

    def read_blob(self, digest: str, limit: int) -> bytes | None:
        """Small blobs only (configs, manifests): at most ``limit`` bytes, else None."""
        return self._blobs.read(digest, limit)

    def blob_path(self, digest: str) -> Path:
        return self._blobs.path(digest)

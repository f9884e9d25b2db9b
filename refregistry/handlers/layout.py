"""Artifactory's view of a Docker repository, derived from the registry metadata.

``<image>/<tag>/manifest.json`` (``list.manifest.json`` for lists) and ``sha256__<hex>`` files
for the config and layers; manifests without a tag live in ``<image>/sha256:<hex>/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..mediatypes import LIST_TYPES
from ..storage import Manifest, Storage


@dataclass
class Node:
    path: str
    folder: bool
    children: list[tuple[str, bool]] = field(default_factory=list)  # (name, is folder)
    digest: str | None = None  # files: the content's digest
    size: int = 0
    mime: str = "application/octet-stream"
    created: float = 0.0
    manifest: Manifest | None = None  # tag folders and manifest files
    tag: str | None = None


def manifest_file(m: Manifest) -> str:
    return "list.manifest.json" if m.media_type in LIST_TYPES else "manifest.json"


class Layout:
    def __init__(self, storage: Storage, repo: str, *, colon_names: bool = False) -> None:
        self.colon_names = colon_names  # sha256:<hex> file names, not sha256__<hex> (Policy.layout_colon_names)
        self.storage = storage
        self.meta = storage.meta
        self.repo = repo
        self.images = [image for _, image in self.meta.images(repo)]

    def _subfolders(self, prefix: str) -> list[tuple[str, bool]]:
        below = {img[len(prefix) :].split("/", 1)[0] for img in self.images if img.startswith(prefix)}
        return [(name, True) for name in sorted(below)]

    def file_name(self, digest: str) -> str:
        """A layer or config file's name: ``sha256__<hex>`` (a colon is no file name character everywhere)."""
        return digest if self.colon_names else digest.replace(":", "__")

    def image_folder(self, image: str, folder: str) -> tuple[str | None, Manifest] | None:
        """(tag, manifest) of ``<image>/<folder>`` when it is a tag or a digest folder."""
        if folder.startswith("sha256:"):
            m = self.meta.manifest(self.repo, image, folder)
            return (None, m) if m else None
        digest = self.meta.resolve(self.repo, image, folder)
        m = self.meta.manifest(self.repo, image, digest) if digest else None
        return (folder, m) if m else None

    def node(self, path: str) -> Node | None:
        path = path.strip("/")
        if path == "" or path in self.images or any(i.startswith(path + "/") for i in self.images):
            return self._folder(path)
        image, _, folder = path.rpartition("/")
        if image in self.images and (found := self.image_folder(image, folder)):
            tag, m = found
            children = [(manifest_file(m), False)]
            children += [
                (self.file_name(r.child), False)
                for r in self.meta.refs(self.repo, image, m.digest)
                if r.kind != "manifest"
            ]
            return Node(path, True, children, created=m.created, manifest=m, tag=tag)
        parent = self.node(image) if image and "/" in image else None
        if parent is None or not parent.folder or parent.manifest is None:
            return None
        m = parent.manifest
        if folder == manifest_file(m):
            return Node(
                path,
                False,
                digest=m.digest,
                size=m.size,
                mime=m.media_type,
                created=m.created,
                manifest=m,
                tag=parent.tag,
            )
        for ref in self.meta.refs(self.repo, m.image, m.digest):
            if ref.kind != "manifest" and folder == self.file_name(ref.child):
                size = self.storage.blobs.size(ref.child)
                return Node(path, False, digest=ref.child, size=size or 0, created=m.created)
        return None

    def _folder(self, path: str) -> Node:
        prefix = f"{path}/" if path else ""
        children = self._subfolders(prefix)
        if path in self.images:
            taken = {name for name, _ in children}
            tags = [(t, True) for t, _ in self.meta.tags(self.repo, path) if t not in taken]
            digests = [(m.digest, True) for m in self.meta.untagged(self.repo, path)]
            children = sorted(children + tags + digests)
        return Node(path, True, children)

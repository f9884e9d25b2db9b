"""Artifactory's view of a Docker repository as a tree of folders and files, read through Storage.

The names are storage/naming.py's: ``<image>/<tag>/manifest.json`` (``list.manifest.json`` for
lists) and ``sha256__<hex>`` files for the config and layers; manifests without a tag live in
``<image>/sha256:<hex>/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..storage import Manifest, Storage
from ..storage.naming import blob_file, manifest_file
from ..validation import MAX_NAME

# No item lies deeper: an image name of at most MAX_NAME characters has at most
# MAX_NAME // 2 + 1 components, and below it come a tag folder and a file.
MAX_SEGMENTS = MAX_NAME // 2 + 3


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


class Layout:
    def __init__(self, storage: Storage, repo: str, *, colon_names: bool = False) -> None:
        self.colon_names = colon_names  # sha256:<hex> file names, not sha256__<hex> (Policy.layout_colon_names)
        self.storage = storage
        self.repo = repo
        self.images = [image for _, image in storage.images(repo)]

    def _subfolders(self, prefix: str) -> list[tuple[str, bool]]:
        below = {img[len(prefix) :].split("/", 1)[0] for img in self.images if img.startswith(prefix)}
        return [(name, True) for name in sorted(below)]

    def image_folder(self, image: str, folder: str) -> tuple[str | None, Manifest] | None:
        """(tag, manifest) of ``<image>/<folder>`` when it is a tag or a digest folder."""
        if folder.startswith("sha256:"):
            m = self.storage.manifest(self.repo, image, folder)
            return (None, m) if m else None
        digest = self.storage.resolve(self.repo, image, folder)
        m = self.storage.manifest(self.repo, image, digest) if digest else None
        return (folder, m) if m else None

    def node(self, path: str) -> Node | None:
        path = path.strip("/")
        if path.count("/") >= MAX_SEGMENTS:
            return None
        if found := self._folder_at(path):
            return found
        # A file sits in a tag or digest folder: its parent is looked up once, never recursively.
        image, _, folder = path.rpartition("/")
        parent = self._folder_at(image) if "/" in image else None
        if parent is None or parent.manifest is None:
            return None
        m = parent.manifest
        if folder == manifest_file(m.media_type):
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
        for ref in self.storage.refs(self.repo, m.image, m.digest):
            if ref.kind != "manifest" and folder == blob_file(ref.child, colon=self.colon_names):
                size = self.storage.content_size(ref.child)
                return Node(path, False, digest=ref.child, size=size or 0, created=m.created)
        return None

    def _folder_at(self, path: str) -> Node | None:
        """The folder at ``path``: a namespace or image folder, or a tag or digest folder."""
        if path == "" or path in self.images or any(i.startswith(path + "/") for i in self.images):
            return self._folder(path)
        image, _, folder = path.rpartition("/")
        if image in self.images and (found := self.image_folder(image, folder)):
            tag, m = found
            children = [(manifest_file(m.media_type), False)]
            children += [
                (blob_file(r.child, colon=self.colon_names), False)
                for r in self.storage.refs(self.repo, image, m.digest)
                if r.kind != "manifest"
            ]
            return Node(path, True, children, created=m.created, manifest=m, tag=tag)
        return None

    def _folder(self, path: str) -> Node:
        prefix = f"{path}/" if path else ""
        children = self._subfolders(prefix)
        if path in self.images:
            taken = {name for name, _ in children}
            tags = [(t, True) for t, _ in self.storage.tags(self.repo, path) if t not in taken]
            digests = [(m.digest, True) for m in self.storage.untagged(self.repo, path)]
            children = sorted(children + tags + digests)
        return Node(path, True, children)

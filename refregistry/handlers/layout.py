"""Artifactory's view of a Docker repository as a tree of folders and files, read through Storage.

The names are storage/naming.py's: ``<image>/<tag>/manifest.json`` (``list.manifest.json`` for
lists) and ``sha256__<hex>`` files for the config and layers; manifests without a tag live in
``<image>/sha256:<hex>/``.  It is a tree of folders, as Artifactory's is: image ``col/app`` tag
``1`` and image ``col/app/1`` share the folder ``col/app/1``, which then holds both the tag's
files and the folders of the other image's tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from aiohttp import web

from ..errors import Code, RegistryError
from ..storage import Manifest, Storage
from ..storage.naming import blob_file, manifest_file
from ..validation import MAX_NAME
from .base import context, state

# No item lies deeper: an image name of at most MAX_NAME characters has at most
# MAX_NAME // 2 + 1 components, and below it come a tag folder and a file.
MAX_SEGMENTS = MAX_NAME // 2 + 3
STORAGE_TYPE = "application/vnd.org.jfrog.artifactory.storage.{}+json"


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
    def __init__(
        self, storage: Storage, repo: str, *, colon_names: bool = False, tag_beside_image: bool = True
    ) -> None:
        self.colon_names = colon_names  # sha256:<hex> file names, not sha256__<hex> (Policy.layout_colon_names)
        # False: a folder images lie below shows only their folders (Policy.layout_tag_beside_image)
        self.tag_beside_image = tag_beside_image
        self.storage = storage
        self.repo = repo
        self.images = {image for _, image in storage.images(repo)}

    def node(self, path: str) -> Node | None:
        path = path.strip("/")
        if path.count("/") >= MAX_SEGMENTS:
            return None
        return self._folder(path) or self._file(path)

    def walk(self, folder: Node, depth: int | None = None) -> Iterator[Node]:
        """The items below ``folder``, each folder before what it holds, at most ``depth`` levels down."""
        if depth is not None and depth < 1:
            return
        for name, _ in folder.children:
            child = self.node(f"{folder.path}/{name}" if folder.path else name)
            if child is None:  # gone since the folder was read
                continue
            yield child
            if child.folder:
                yield from self.walk(child, None if depth is None else depth - 1)

    def tag_folder(self, path: str) -> tuple[str | None, Manifest] | None:
        """(tag, manifest) of the folder ``path`` when it is a tag's folder or a digest's (tag None)."""
        image, _, folder = path.rpartition("/")
        if image not in self.images:
            return None
        if folder.startswith("sha256:"):
            m = self.storage.manifest(self.repo, image, folder)
            return (None, m) if m else None
        digest = self.storage.resolve(self.repo, image, folder)
        m = self.storage.manifest(self.repo, image, digest) if digest else None
        return (folder, m) if m else None

    def _folder(self, path: str) -> Node | None:
        prefix = f"{path}/" if path else ""
        children = {img[len(prefix) :].split("/", 1)[0]: True for img in self.images if img.startswith(prefix)}
        if path in self.images:
            children.update((tag, True) for tag, _ in self.storage.tags(self.repo, path))
            children.update((m.digest, True) for m in self.storage.untagged(self.repo, path))
        found = self.tag_folder(path) if path else None
        if found is None and not children and path:
            return None
        node = Node(path, True)
        if found is not None and (self.tag_beside_image or not children):
            node.tag, node.manifest = found
            node.created = node.manifest.created
            for name in self._files(node.manifest):
                children.setdefault(name, False)
        node.children = sorted(children.items())
        return node

    def _files(self, m: Manifest) -> list[str]:
        """The files of a manifest's folder: the manifest, then its config and layers."""
        blobs = [r.child for r in self.storage.refs(self.repo, m.image, m.digest) if r.kind != "manifest"]
        return [manifest_file(m.media_type), *(blob_file(b, colon=self.colon_names) for b in blobs)]

    def _file(self, path: str) -> Node | None:
        parent, _, name = path.rpartition("/")
        folder = self._folder(parent) if parent else None
        if folder is None or folder.manifest is None or (name, False) not in folder.children:
            return None
        m = folder.manifest
        if name == manifest_file(m.media_type):
            return Node(path, False, digest=m.digest, size=m.size, mime=m.media_type, created=m.created, manifest=m)
        digest = next(r.child for r in self.storage.refs(self.repo, m.image, m.digest) if self._names(r.child, name))
        size = self.storage.content_size(digest) or 0
        return Node(path, False, digest=digest, size=size, created=m.created)

    def _names(self, digest: str, name: str) -> bool:
        return blob_file(digest, colon=self.colon_names) == name


def layout(request: web.Request) -> Layout:
    """The layout of the request's repository, as the policy draws it."""
    st = state(request)
    policy = st.policy
    return Layout(
        st.storage,
        str(context(request).repo),
        colon_names=policy.layout_colon_names,
        tag_beside_image=policy.layout_tag_beside_image,
    )


def found(tree: Layout, request: web.Request) -> Node:
    """The item the request's path names (404 if there is none)."""
    node = tree.node(request.match_info.get("path", ""))
    if node is None:
        raise RegistryError(Code.NOT_FOUND, "Unable to find item")
    return node


def storage_uri(request: web.Request, path: str) -> str:
    ctx = context(request)
    return f"{ctx.base}/artifactory/api/storage/{ctx.repo}{'/' + path if path else ''}"

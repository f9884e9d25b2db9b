"""Storage: blob files on disk, metadata in SQLite, behind one small facade.

Layout of ``--data DIR``::

    DIR/
    ├── registry.db            SQLite metadata (see meta.py for its tables)
    ├── secret                 key that signs Bearer tokens (0600, made on first start)
    ├── blobs/sha256/ab/abcd…  committed content: layers, configs and manifest bytes
    ├── uploads/<uuid>         data of an open upload session, appended chunk by chunk
    └── tmp/                   half-written files; emptied at start-up

What a client sees is Artifactory's layout, derived from the metadata (handlers/storage_api)::

    <repo>/<image>/<tag>/manifest.json          (list.manifest.json for a manifest list)
    <repo>/<image>/<tag>/sha256__<hex>          the config and every layer
    <repo>/<image>/sha256:<hex>/manifest.json   a manifest pushed by digest (list members)
"""

from __future__ import annotations

from pathlib import Path

from .blobs import BlobStore
from .meta import Manifest, Metadata, Ref, item_path
from .trash import Trash

__all__ = ["Manifest", "Ref", "Storage"]


class Storage:
    def __init__(self, root: Path, *, keep_shared_blobs: bool = True, trashcan: bool = True) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.blobs = BlobStore(root)
        self.meta = Metadata(root / "registry.db")
        self.keep_shared_blobs = keep_shared_blobs
        self.trash = Trash(self.meta.db)
        self.trashcan = trashcan

    def close(self) -> None:
        self.meta.close()

    def reset(self) -> None:
        """Forget all content, as a fresh data directory would have it."""
        self.meta.reset()
        self.blobs.reset()

    def blob_size(self, repo: str, digest: str) -> int | None:
        """Size of a blob as seen from ``repo``: None unless it was pushed there."""
        if not self.meta.has_blob(repo, digest):
            return None
        return self.blobs.size(digest)

    def delete_manifest(
        self, repo: str, image: str, digest: str, *, cascade: bool = True, gone_tag: tuple[str, dict] | None = None
    ) -> list[str]:
        """Delete a manifest and, with ``cascade``, what only it held: untagged list members
        and orphan layers (Artifactory's clean-up on delete).

        Returns the digests of the manifests removed.  A layer or sub-manifest that another
        manifest of the repository still references stays; a blob file goes only when no
        repository and no trash-can entry references it any more.  ``gone_tag`` is the tag
        (and its item's properties) just removed from the manifest, for the trash can.
        """
        removed = [digest]
        self._to_trash(repo, image, digest, gone_tag)
        refs = self.meta.delete_manifest(repo, image, digest)
        for ref in refs if cascade else ():
            if ref.kind == "manifest":
                # Protected while another list or a tag holds it (Artifactory >= 7.118.0);
                # without keep_shared_blobs, deleted regardless, as earlier versions did.
                held = self.meta.parents_in_repo(repo, image, ref.child) > 0 or any(
                    d == ref.child for _, d in self.meta.tags(repo, image)
                )
                orphan = (not held or not self.keep_shared_blobs) and self.meta.manifest(repo, image, ref.child)
                if orphan:
                    removed += self.delete_manifest(repo, image, ref.child)
            elif not self.keep_shared_blobs or not self.meta.repo_uses_blob(repo, ref.child):
                self.meta.unlink_blob(repo, ref.child)
                self._drop_file_if_unused(ref.child)
        self._drop_file_if_unused(digest)
        return removed

    def remove_tag(self, repo: str, image: str, tag: str | None, digest: str) -> None:
        """Untag (``tag`` None: the digest folder), then delete the manifest if nothing holds it:
        no other tag and no manifest list of the image."""
        meta = self.meta
        gone = None
        manifest = meta.manifest(repo, image, digest)
        if tag is not None:
            props = meta.properties(repo, item_path(image, tag, digest, manifest.media_type)) if manifest else {}
            meta.untag(repo, image, tag)
            gone = (tag, props)
        still_tagged = any(d == digest for _, d in meta.tags(repo, image))
        in_a_list = meta.parents_in_repo(repo, image, digest) > 0
        if not still_tagged and not in_a_list and manifest is not None:
            self.delete_manifest(repo, image, digest, gone_tag=gone)

    def _to_trash(self, repo: str, image: str, digest: str, gone_tag: tuple[str, dict] | None) -> None:
        manifest = self.meta.manifest(repo, image, digest)
        if manifest is None or not self.trashcan:
            return
        tags = [t for t, d in self.meta.tags(repo, image) if d == digest]
        folder = gone_tag[0] if gone_tag else (tags[0] if tags else None)
        props = (
            gone_tag[1]
            if gone_tag
            else self.meta.properties(repo, item_path(image, folder, digest, manifest.media_type))
        )
        self.trash.put(
            manifest, self.meta.refs(repo, image, digest), [*tags, *(gone_tag[:1] if gone_tag else ())], props
        )

    def restore(self, repo: str, image: str, folder: str) -> bool:
        """Put the trashed manifest at ``image/folder`` back, with its tags and list members."""
        entry = self.trash.find(repo, image, folder)
        if entry is None:
            return False
        for ref in entry.refs:
            if ref.kind == "manifest" and self.meta.manifest(repo, image, ref.child) is None:
                self.restore(repo, image, ref.child)
        self.trash.remove(entry.id)
        untagged: list[str | None] = [None]  # trashed without a tag, it comes back without one
        for tag in entry.tags or untagged:
            self.meta.put_manifest(entry.manifest, entry.refs, tag, entry.props)
        return True

    def empty_trash(self) -> None:
        """Release what only the trash can held."""
        for digest in self.trash.empty():
            self._drop_file_if_unused(digest)

    def purge(self, repo: str) -> None:
        """Remove everything a repository holds, its trash included (its key is being deleted)."""
        for digest in self.meta.purge(repo) + self.trash.purge(repo):
            self._drop_file_if_unused(digest)

    def _drop_file_if_unused(self, digest: str) -> None:
        in_use = self.meta.blob_in_use(digest) or self.trash.holds(digest)
        if not self.keep_shared_blobs or not in_use:
            self.blobs.delete(digest)

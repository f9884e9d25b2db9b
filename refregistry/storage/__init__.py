"""Storage: blob files on disk, metadata in SQLite, behind ``Storage``, the only door to them.

Layout of ``--data DIR``::

    DIR/
    ├── registry.db            SQLite metadata (see meta.py for its tables)
    ├── secret                 key that signs Bearer tokens (0600, made on first start)
    ├── access-tokens.json     issued access tokens and their revocation (refregistry/tokens.py)
    ├── blobs/sha256/ab/abcd…  committed content: layers, configs and manifest bytes
    ├── uploads/<uuid>         data of an open upload, appended chunk by chunk (uploads.py: until when)
    └── tmp/                   half-written files; emptied at start-up

What a client sees is Artifactory's layout, derived from the metadata (naming.py)::

    <repo>/<image>/<tag>/manifest.json          (list.manifest.json for a manifest list)
    <repo>/<image>/<tag>/sha256__<hex>          the config and every layer
    <repo>/<image>/sha256:<hex>/manifest.json   a manifest pushed by digest (list members)

Verbs are named after what Artifactory does (push a manifest, delete a tag folder, copy a
manifest to another repository, empty the trash can); reads are in reads.py, upload sessions in
uploads.py, promotion's copies in promotion.py, how an operation runs in base.py.  Every
operation is one metadata transaction; the blob files it lets go of are deleted after it
commits, each only if nothing holds it then.  What grows with the data (deletes and their
cascades, folder deletes, promotion copies, emptying the trash can, purging a
repository, and every release of files) runs in a worker thread, one locked step at a time, so
the event loop keeps answering meanwhile.  A push's transaction stays on the event loop, right
after the handler's checks of what it references.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import UPLOAD_MAX_AGE
from ..mediatypes import LIST_TYPES
from . import retention
from .annotations import Annotations
from .base import Released, locked
from .blobs import BlobStore, sha256_digest
from .meta import Metadata
from .naming import item_path
from .promotion import Promotion
from .properties import drop_tree_items
from .reads import Reads
from .records import Manifest, Ref
from .retention import Limits
from .trash import Trash
from .uploads import Uploads

if TYPE_CHECKING:
    from ..validation import ParsedManifest  # which imports Ref from here

__all__ = ["Limits", "Manifest", "Ref", "Storage"]


class Storage(Reads, Uploads, Promotion, Annotations):
    def __init__(
        self,
        root: Path,
        *,
        keep_shared_blobs: bool = True,
        trashcan: bool = True,
        upload_max_age: float = UPLOAD_MAX_AGE,
    ) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.keep_shared_blobs = keep_shared_blobs
        self.trashcan = trashcan
        self.upload_max_age = upload_max_age
        self._blobs = BlobStore(root)
        self._meta = Metadata(root / "registry.db")
        self._trash = Trash(self._meta.db)
        self._lock = threading.RLock()
        self._transfers = {}
        self._receiving = set()
        # The start-up sweep: spools of transfers a stopped process left, sessions that expired.
        for _ in self.sweep_uploads():
            pass

    @locked
    def close(self) -> None:
        self._meta.close()

    @locked
    def reset(self) -> None:
        """Forget all content, as a fresh data directory would have it."""
        self._meta.reset()
        self._blobs.reset()
        self._transfers.clear()

    # -- pushing ---------------------------------------------------------------------------
    async def push_manifest(
        self,
        repo: str,
        image: str,
        tag: str | None,
        body: bytes,
        parsed: ParsedManifest,
        properties: dict[str, list[str]],
        limits: Limits | None = None,
    ) -> str:
        """Store a pushed manifest: its bytes, then in one transaction the manifest with its
        references, its tag, its item's properties and what tag retention (``limits``) evicts
        from the image (if the transaction fails, the bytes go again).  Returns its digest."""
        record = _record(repo, image, body, parsed)
        released: Released = []
        with self._storing(body):
            self._meta.put_manifest(record, parsed.refs, tag, properties)
            if tag is not None and limits is not None:
                self._retain(repo, image, tag, limits, released, pushed_list=parsed.media_type in LIST_TYPES)
        if released:
            await asyncio.to_thread(self._release, released)
        return record.digest

    @locked
    def cache_manifest(self, repo: str, image: str, tag: str | None, body: bytes, parsed: ParsedManifest) -> None:
        """Store a manifest a remote repository fetched: no item properties, no retention (a cache)."""
        # Cached manifests have always been recorded without their annotations; kept so that
        # answers about them (referrers) stay what they were.
        record = replace(_record(repo, image, body, parsed), annotations=None)
        with self._storing(body):
            self._meta.put_manifest(record, parsed.refs, tag, {})

    @locked
    def refresh_tag(self, repo: str, image: str, tag: str, digest: str) -> bool:
        """If ``tag`` still points at ``digest``, mark it checked now (a remote's revalidation)."""
        if self._meta.resolve(repo, image, tag) != digest:
            return False
        self._meta.touch_tag(repo, image, tag)
        return True

    # -- deleting --------------------------------------------------------------------------
    @locked
    def untag(self, repo: str, image: str, tag: str) -> str | None:
        """Remove only the tag (and its item's properties); returns the digest it pointed at."""
        return self._meta.untag(repo, image, tag)

    async def delete_tag(
        self, repo: str, image: str, tag: str | None, digest: str, *, keep_shared: bool = True
    ) -> None:
        """Delete a tag folder (``tag`` None: the digest folder): untag, then delete the manifest
        unless another tag or a manifest list of the image holds it.  Without ``keep_shared``, what
        it references goes even where other tags use it (a multi-arch delete before 7.118.0)."""
        await self._off_loop(partial(self._delete_tag, repo, image, tag, digest, keep_shared=keep_shared))

    async def delete_manifest(self, repo: str, image: str, digest: str, *, cascade: bool = True) -> list[str]:
        """Delete a manifest and, with ``cascade``, what only it held: list members no tag or
        other list holds, and layers no other manifest of the repository references (Artifactory's
        clean-up on delete).  Returns the digests of the manifests removed."""
        return await self._off_loop(partial(self._delete, repo, image, digest, cascade=cascade))

    async def delete_folder(self, repo: str, path: str, *, recursive: bool = True, takes_tag: bool = True) -> None:
        """Delete the folder ``path`` and everything under it, in one transaction: every image whose
        name is ``path`` or lies below it, the tag (or digest) folder ``path`` is, and the properties
        of every item there.  Not ``recursive``: only the tag folder, whose files are directly in
        it (Policy.delete_image_recursively); not ``takes_tag``: the tag folder stays when images
        lie below it (Policy.folder_delete_takes_tags)."""
        await self._off_loop(partial(self._delete_folder, repo, path, recursive=recursive, takes_tag=takes_tag))

    # -- the trash can and whole repositories -----------------------------------------------
    def restore(self, repo: str, image: str, folder: str) -> bool:
        """Put the trashed manifest at ``image/folder`` back, with its tags and list members."""
        with self._transaction():
            return self._restore(repo, image, folder)

    async def empty_trash(self) -> None:
        """Release what only the trash can held."""
        await self._off_loop(lambda released: released.extend(self._trash.empty()))

    async def purge(self, repo: str) -> None:
        """Remove everything a repository holds, its uploads and trash included (its key is being deleted)."""
        await self._off_loop(partial(self._purge, repo))

    def _purge(self, repo: str, released: Released) -> None:
        self._purge_uploads(repo)
        released.extend(self._meta.purge(repo) + self._trash.purge(repo))

    # -- the operations, inside their transaction --------------------------------------------
    def _retain(
        self, repo: str, image: str, tag: str, limits: Limits, released: Released, *, pushed_list: bool
    ) -> None:
        meta = self._meta
        current, revisions = meta.resolve(repo, image, tag), meta.revisions(repo, image, tag)
        eviction = retention.plan(limits, current, revisions, meta.tags_by_age(repo, image), pushed_list=pushed_list)
        cascade = limits.cascade
        for digest in eviction.revisions:
            self._evict(repo, image, digest, released, cascade=cascade, lists_alone=eviction.lists_alone)
        for old in eviction.tags:
            revisions, head = meta.revisions(repo, image, old), meta.resolve(repo, image, old)
            if head is not None:
                self._delete_tag(repo, image, old, head, released, cascade=cascade)
            for revision in revisions:
                self._evict(repo, image, revision, released, cascade=cascade)

    def _evict(
        self, repo: str, image: str, digest: str, released: Released, *, cascade: bool, lists_alone: bool = False
    ) -> None:
        """Delete a revision unless a tag or a list holds it; ``lists_alone``: a list without its members."""
        manifest = self._meta.manifest(repo, image, digest)
        if manifest is None or self._meta.held(repo, image, digest):
            return
        cascade = cascade and not (lists_alone and manifest.media_type in LIST_TYPES)
        self._delete(repo, image, digest, released, cascade=cascade)

    def _delete_tag(
        self,
        repo: str,
        image: str,
        tag: str | None,
        digest: str,
        released: Released,
        *,
        cascade: bool = True,
        keep_shared: bool = True,
    ) -> None:
        manifest = self._meta.manifest(repo, image, digest)
        gone = None
        if tag is not None:
            props = self._meta.properties(repo, item_path(image, tag, digest, manifest.media_type)) if manifest else {}
            self._meta.untag(repo, image, tag)
            gone = (tag, props)
        if manifest is not None and not self._meta.held(repo, image, digest):
            self._delete(repo, image, digest, released, cascade=cascade, keep_shared=keep_shared, gone_tag=gone)

    def _delete(
        self,
        repo: str,
        image: str,
        digest: str,
        released: Released,
        *,
        cascade: bool = True,
        keep_shared: bool = True,
        gone_tag: tuple[str, dict[str, list[str]]] | None = None,
    ) -> list[str]:
        """``gone_tag``: the tag (and its item's properties) just removed from the manifest, for the trash can.

        A list member another list or a tag holds stays, and a layer another manifest of the
        repository uses (Artifactory >= 7.118.0); without ``keep_shared`` (or the storage's
        keep_shared_blobs) they go regardless, as earlier versions did.
        """
        keep_shared = keep_shared and self.keep_shared_blobs
        removed = [digest]
        self._to_trash(repo, image, digest, gone_tag)
        refs = self._meta.delete_manifest(repo, image, digest)
        for ref in refs if cascade else ():
            if ref.kind == "manifest":
                held = self._meta.held(repo, image, ref.child) and keep_shared
                if not held and self._meta.manifest(repo, image, ref.child):
                    removed += self._delete(repo, image, ref.child, released, keep_shared=keep_shared)
            elif not keep_shared or not self._meta.repo_uses_blob(repo, ref.child):
                self._meta.unlink_blob(repo, ref.child)
                released.append(ref.child)
        released.append(digest)
        return removed

    def _delete_folder(self, repo: str, path: str, released: Released, *, recursive: bool, takes_tag: bool) -> None:
        meta = self._meta
        below = f"{path}/"
        images = [i for _, i in meta.images(repo) if recursive and (not path or i == path or i.startswith(below))]
        for image in images:
            for tag, digest in meta.tags(repo, image):
                self._delete_tag(repo, image, tag, digest, released)
            for m in meta.untagged(repo, image):
                if meta.manifest(repo, image, m.digest):  # a list deleted above may have taken it
                    self._delete(repo, image, m.digest, released)
        image, _, folder = path.rpartition("/")
        if image and (takes_tag or not images):
            by_digest = folder.startswith("sha256:")
            target = folder if by_digest else meta.resolve(repo, image, folder)
            if target is not None and meta.manifest(repo, image, target):
                self._delete_tag(repo, image, None if by_digest else folder, target, released)
        if recursive:
            drop_tree_items(meta.db, repo, path)

    def _to_trash(self, repo: str, image: str, digest: str, gone_tag: tuple[str, dict[str, list[str]]] | None) -> None:
        manifest = self._meta.manifest(repo, image, digest)
        if manifest is None or not self.trashcan:
            return
        tags = self._meta.tags_of(repo, image, digest)
        props = gone_tag[1] if gone_tag else self._item_properties(manifest)
        self._trash.put(
            manifest, self._meta.refs(repo, image, digest), [*tags, *(gone_tag[:1] if gone_tag else ())], props
        )

    def _restore(self, repo: str, image: str, folder: str) -> bool:
        entry = self._trash.find(repo, image, folder)
        if entry is None:
            return False
        for ref in entry.refs:
            if ref.kind == "manifest" and self._meta.manifest(repo, image, ref.child) is None:
                self._restore(repo, image, ref.child)
        self._trash.remove(entry.id)
        untagged: list[str | None] = [None]  # trashed without a tag, it comes back without one
        for tag in entry.tags or untagged:
            self._meta.put_manifest(entry.manifest, entry.refs, tag, entry.props)
        return True


def _record(repo: str, image: str, body: bytes, parsed: ParsedManifest) -> Manifest:
    annotations = json.dumps(parsed.annotations) if parsed.annotations else None
    return Manifest(
        repo,
        image,
        sha256_digest(body),
        parsed.media_type,
        len(body),
        parsed.artifact_type,
        parsed.subject,
        annotations,
    )

"""Promotion through ``Storage``: a manifest copied to another repository or image.

Only metadata is copied: blob files are content-addressed, and the target's references keep
them.  Overriding a tag in the target only re-points it.
"""

from __future__ import annotations

import json
from dataclasses import replace

from .base import Base, locked
from .records import Manifest


class Promotion(Base):
    async def copy_manifest(
        self, source: tuple[str, str, str], target: tuple[str, str], tag: str | None, *, keep_bytes: bool = True
    ) -> None:
        """Record manifest ``source`` (repo, image, digest), list members first, in ``target``
        (repo, image) under ``tag``, in one transaction.  Without ``keep_bytes``
        (Policy.promotion_keeps_bytes) the tagged manifest is written anew."""
        await self._off_loop(lambda _: self._copy(source, target, tag, keep_bytes))

    @locked
    def drop_layers(self, repo: str, image: str, digest: str) -> None:
        """``repo`` forgets the config and layers of manifest ``digest``, shared or not
        (a promotion overriding a tag without Policy.promotion_override_keeps_layers)."""
        for ref in self._meta.refs(repo, image, digest):
            if ref.kind != "manifest":
                self._meta.unlink_blob(repo, ref.child)

    def _copy(self, source: tuple[str, str, str], target: tuple[str, str], tag: str | None, keep_bytes: bool) -> None:
        repo, image, digest = source
        manifest = self._meta.manifest(repo, image, digest)
        if manifest is None:
            return
        refs = self._meta.refs(repo, image, digest)
        for ref in refs:
            if ref.kind == "manifest":
                self._copy((repo, image, ref.child), target, None, keep_bytes)
        props = self._item_properties(manifest)
        copied = replace(manifest, repo=target[0], image=target[1])
        if not keep_bytes and tag is not None:
            copied = self._reserialized(copied)  # the tagged one: a list's members stay what it names
        props.update({"docker.manifest": [tag or copied.digest], "docker.repoName": [target[1]]})
        self._meta.put_manifest(copied, refs, tag, props)

    def _reserialized(self, manifest: Manifest) -> Manifest:
        """The manifest written anew from its parsed JSON: same content, other bytes, other digest."""
        body = self._blobs.read(manifest.digest, manifest.size)
        if body is None:
            return manifest
        body = json.dumps(json.loads(body), indent=2).encode()
        return replace(manifest, digest=self._put_bytes(body), size=len(body))

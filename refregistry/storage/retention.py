"""Tag retention as Artifactory documents it: Max Unique Tags and Tag Retention, applied on push.

* Tag Retention ``R``: an overwritten tag's previous revision stays, under its digest
  (``image/sha256:<hex>/``), and at most ``R - 1`` previous revisions are kept, oldest evicted
  first.  ``R = 1`` (the default) keeps none: an overwrite replaces.
* Max Unique Tags ``M`` (0 = no limit): a push that brings an image above ``M`` tag names
  evicts the oldest tag names first, each with all its revisions.  ``latest`` is not exempt.
* Lazy: only the pushed image is looked at, on its push.  A manifest list goes as one context
  with its sub-manifests; anything another tag or list still holds stays.
* Overwriting a list's tag with Tag Retention 1 replaces only the list: its sub-manifests stay,
  pullable by digest (Artifactory's default), unless the system property
  ``artifactory.docker.complete.manifest.override.enabled`` is true (``complete_override``).

The ``policy`` (refregistry/policy.py) carries the faults that bend these rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..mediatypes import LIST_TYPES
from ..policy import Policy

if TYPE_CHECKING:
    from . import Storage


def apply(
    storage: Storage,
    repo: str,
    image: str,
    tag: str,
    max_unique: int,
    keep: int,
    policy: Policy,
    complete_override: bool = False,
) -> list[str]:
    """Enforce both limits after ``tag`` was pushed; returns the digests of manifests removed."""
    if max_unique > 0:
        max_unique += policy.retention_extra_kept
    if not policy.evict_revisions:
        keep = 1 << 30
    complete_override = complete_override or policy.complete_manifest_override
    removed: list[str] = []
    meta = storage.meta
    current = meta.resolve(repo, image, tag)
    previous = [d for d in meta.revisions(repo, image, tag) if d != current]
    for digest in previous[max(keep - 1, 0) :]:
        removed += _drop(storage, repo, image, digest, cascade=keep > 1 or complete_override)
    if max_unique > 0:
        names = meta.tags_by_age(repo, image)
        for old in names[: max(len(names) - max_unique, 0)]:
            revisions = meta.revisions(repo, image, old)
            head = meta.resolve(repo, image, old)
            if head is not None:
                storage.remove_tag(repo, image, old, head)
                removed.append(head)
            for revision in revisions:
                removed += _drop(storage, repo, image, revision)
    return removed


def _drop(storage: Storage, repo: str, image: str, digest: str, cascade: bool = True) -> list[str]:
    """Remove a revision unless a tag or a list still holds it; ``cascade``: a list's sub-manifests too."""
    meta = storage.meta
    held = meta.parents_in_repo(repo, image, digest) > 0 or any(d == digest for _, d in meta.tags(repo, image))
    if held or meta.manifest(repo, image, digest) is None:
        return []
    manifest = meta.manifest(repo, image, digest)
    if not cascade and manifest is not None and manifest.media_type in LIST_TYPES:
        return storage.delete_manifest(repo, image, digest, cascade=False)
    return storage.delete_manifest(repo, image, digest)

"""Tag retention as Artifactory documents it: Max Unique Tags and Tag Retention, applied on push.

* Tag Retention ``R``: an overwritten tag's previous revision stays, under its digest
  (``image/sha256:<hex>/``), and at most ``R - 1`` previous revisions are kept, oldest evicted
  first.  ``R = 1`` (the default) keeps none: an overwrite replaces.
* Max Unique Tags ``M`` (0 = no limit): a push that brings an image above ``M`` tag names
  evicts the oldest tag names first, each with all its revisions.  ``latest`` is not exempt.
* Lazy: only the pushed image is looked at, on its push.  A manifest list goes as one context
  with its sub-manifests; anything another tag or list still holds stays.
* Overwriting a list's tag with another list, under Tag Retention 1, replaces only the list: its
  sub-manifests stay, pullable by digest (Artifactory's default), unless the system property
  ``artifactory.docker.complete.manifest.override.enabled`` is true (``complete_override``).
  Overwriting it with a single manifest is a complete replacement: the sub-manifests go with the
  list ("Overwriting List Manifests with a Manifest and Vice-Versa"), as an image overwritten by a
  list goes whole.
* An evicted manifest takes its layers and list members along (what nothing else holds), as
  Artifactory does since 7.75.3; before, retention removed the tags only (``cascade`` False).

The rules are decided here from what the pushed image's tags hold; ``Storage.push_manifest``
carries the eviction out in the push's transaction, keeping whatever a tag or a list still
holds.  The ``policy`` (refregistry/policy.py) carries the faults that bend these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..policy import Policy


@dataclass(frozen=True)
class Limits:
    """A repository's retention settings, as the policy bends them."""

    max_unique: int  # 0: no limit
    keep: int  # revisions of a tag kept, the current one included
    complete_override: bool
    cascade: bool = True  # an evicted manifest takes its layers and list members along (since 7.75.3)
    single_replaces_list: bool = True  # a single manifest overwriting a list takes its sub-manifests along

    @classmethod
    def of(cls, max_unique: int, keep: int, complete_override: bool, policy: Policy) -> Limits:
        if max_unique > 0:
            max_unique += policy.retention_extra_kept
        if not policy.evict_revisions:
            keep = 1 << 30
        complete_override = complete_override or policy.complete_manifest_override
        return cls(
            max_unique, keep, complete_override, policy.retention_removes_layers, policy.single_manifest_replaces_list
        )


@dataclass(frozen=True)
class Eviction:
    revisions: list[str]  # previous revisions of the pushed tag beyond those kept, oldest last
    lists_alone: bool  # a manifest list among them goes without its sub-manifests
    tags: list[str]  # tag names beyond Max Unique Tags, oldest first: each goes with all its revisions


def plan(
    limits: Limits, current: str | None, revisions: list[str], tags_by_age: list[str], *, pushed_list: bool
) -> Eviction:
    """What a push of a tag evicts: ``current`` is what the tag now points at (a list if
    ``pushed_list``), ``revisions`` what it pointed at since its creation (newest first),
    ``tags_by_age`` the image's tag names."""
    previous = [d for d in revisions if d != current]
    excess = max(len(tags_by_age) - limits.max_unique, 0) if limits.max_unique > 0 else 0
    replaced_whole = limits.complete_override or (limits.single_replaces_list and not pushed_list)
    return Eviction(
        revisions=previous[max(limits.keep - 1, 0) :],
        lists_alone=not (limits.keep > 1 or replaced_whole),
        tags=tags_by_age[:excess],
    )

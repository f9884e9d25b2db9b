"""The Artifactory version refregistry behaves as: ``serve --artifactory-version X.Y.Z``.

The documentation ties some of Artifactory's Docker behaviour to the version that brought it
(the seeds, ``../shared/seeds/``).  Each such change is declared here once, with the ``Policy``
fields (refregistry/policy.py) that give the behaviour of the versions before it; an instance
started as an older version takes the fields of every change it predates, and the faults bend
that policy as they bend the current one.  The version is fixed for the server's life; ``GET
/artifactory/api/system/version`` answers it, so a harness can tell what to expect.

Only the changes a conformance check can see are imitated; the harness's table of every
versioned statement (fixtures/report/versions.py) names the checks, and a test keeps the two
in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .policy import Policy, bent, check_fields

Version = tuple[int, int, int]

CURRENT = "7.119.0"  # the version the seeds describe, and what refregistry is by default
OLDEST = "7.0.0"  # the oldest it imitates: the seeds are Artifactory 7's documentation


@dataclass(frozen=True)
class Change:
    since: str  # the first version that behaves as the current one does
    what: str  # as the documentation says it
    before: Mapping[str, object]  # Policy fields of the versions before it


def change(since: str, what: str, **before: object) -> Change:
    """A change and the ``Policy`` fields of the versions before it (checked here, at import,
    since mypy cannot check keywords that stand for fields)."""
    check_fields(f"version change {since}", before)
    return Change(since, what, before)


CHANGES = (
    change(
        "7.75.3",
        "tag retention removes an evicted tag's layers and blobs (Tag Retention Logic)",
        retention_removes_layers=False,
    ),
    change(
        "7.91.0",
        "the multi-arch delete API, DELETE /api/docker/<repo>/v2/delete (Delete Multi-Architecture Docker Tags)",
        absent_routes=("multiarch-delete",),
    ),
    change(
        "7.94.1",
        "retagging on promotion validates the target tag by the OCI rule (Promote Docker Images)",
        validate_target_tag=False,
    ),
    change(
        "7.117.1",
        "promotion overriding a tag keeps layers other tags share (Promote Docker Images)",
        promotion_override_keeps_layers=False,
    ),
    change(
        "7.118.0",
        "multi-arch delete keeps sub-manifests and layers other tags use (Delete Multi-Architecture Docker Tags)",
        multiarch_delete_keeps_shared=False,
    ),
    change(
        "7.119.0",
        "Find Parent Manifest Lists, POST /api/docker/<repo>/v2/parentManifests (List Docker Images)",
        absent_routes=("parent-lists",),
    ),
)


def parse(text: str) -> Version:
    """``X.Y.Z`` as a comparable tuple; ValueError for anything else or a version before OLDEST."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        raise ValueError(f"expected X.Y.Z, got {text!r}")
    version = (int(match[1]), int(match[2]), int(match[3]))
    if version < _plain(OLDEST):
        raise ValueError(f"refregistry imitates Artifactory {OLDEST} and later, not {text}")
    return version


def _plain(text: str) -> Version:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def policy_for(version: str) -> Policy:
    """The rules of Artifactory ``version``: the current ones, less every change it predates."""
    wanted, policy = parse(version), Policy()
    for change in CHANGES:
        if wanted < _plain(change.since):
            policy = bent(policy, change.before)
    return policy

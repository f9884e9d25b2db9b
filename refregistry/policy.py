"""The settings of Artifactory's rules that refregistry's faults may bend.

Every field defaults to Artifactory's documented behaviour, and the code that owns a rule reads
its field (``state.policy.sort_tags``), never a fault name.  A fault in ``refregistry/faults``
declares which fields it sets; the server rebuilds its ``Policy`` from the active faults each
time the set is switched.  A tuple field collects the values of every active fault that sets it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .validation import ParsedManifest

# What the manifest PUT makes of a pushed manifest before storing it (the bytes it returns).
ManifestIntake = Callable[[bytes, ParsedManifest], bytes]


@dataclass(frozen=True)
class Policy:
    # Authentication and addressing (app.py, auth.py).
    any_password: bool = False
    accept_bearer_tokens: bool = True
    deploy_needs_permission: bool = True
    read_only_users_read: bool = True  # a permission granting read alone lets its user pull
    ping_challenges_anonymous: bool = True
    challenge_names_scope: bool = True  # a 401 on an image names the scope the request needs
    honour_proxy_headers: bool = True
    announce_api_version: bool = True
    # Uploads and manifests (handlers/uploads.py, handlers/manifests.py).
    verify_blob_digest: bool = True
    chunks_in_order: bool = True
    max_manifest_bytes: int | None = None  # below the configured limit, if set
    manifest_intake: tuple[ManifestIntake, ...] = ()
    verify_manifest_references: bool = True
    label_properties: bool = True
    # Listing and referrers (handlers/listing.py, handlers/referrers.py).
    sort_tags: bool = True
    list_early_referrers: bool = True
    config_artifact_type: bool = True
    # Deletion, retention and the trash can (storage/, handlers/multiarch.py, handlers/storage_api.py).
    keep_shared_blobs: bool = True
    trashcan: bool = True
    retention_extra_kept: int = 0
    evict_revisions: bool = True
    complete_manifest_override: bool = False
    delete_list_members: bool = True
    parents_by_digest: bool = True
    delete_image_recursively: bool = True
    layout_colon_names: bool = False
    # Promotion (handlers/promote.py).
    validate_promotion: bool = True
    promotion_checks_permissions: bool = True
    promotion_honours_copy: bool = True
    promotion_honours_target_tag: bool = True
    promote_every_tag: bool = True
    promotion_keeps_bytes: bool = True
    promotion_override_keeps_layers: bool = True
    # Virtual and remote repositories (virtual.py, remote.py).
    virtual_reversed: bool = False
    virtual_first_member_only: bool = False
    virtual_deploys_to_default: bool = True
    virtual_tags_by_timestamp: bool = True
    remote_refuses_pushes: bool = True
    remote_revalidates: bool = True
    remote_serves_stale_cache: bool = True
    upstream_down_not_found: bool = True

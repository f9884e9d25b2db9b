"""The settings of Artifactory's rules that refregistry's faults, and the version it imitates, may bend.

Every field defaults to what the current Artifactory documents, and the code that owns a rule
reads its field (``state.policy.sort_tags``), never a fault name or a version.  An older version
(``serve --artifactory-version``, refregistry/versions.py) sets the fields of the rules it did not
have yet; a fault in ``refregistry/faults`` declares which fields it sets, on top of those; the
server rebuilds its ``Policy`` each time the fault set is switched.  A tuple field collects the
values of every source that sets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .validation import ParsedManifest

# What the manifest PUT makes of a pushed manifest before storing it (the bytes it returns).
ManifestIntake = Callable[[bytes, ParsedManifest], bytes]


@dataclass(frozen=True)
class Policy:
    # Routes the imitated version does not have yet: they answer as unknown routes do (app.py).
    absent_routes: tuple[str, ...] = ()
    # Authentication and addressing (app.py, auth.py).
    any_password: bool = False
    accept_bearer_tokens: bool = True
    deploy_needs_permission: bool = True
    read_only_users_read: bool = True  # a permission granting read alone lets its user pull
    ping_challenges_anonymous: bool = True
    challenge_names_scope: bool = True  # a 401 on an image names the scope the request needs
    # Tokens (auth.py, tokens.py, app.py): "*" grants the user's every action; a registry token on
    # REST routes only does what its scopes name; access tokens are passwords; revoked ones refused.
    star_grants_every_action: bool = True
    rest_honours_token_scope: bool = True
    access_token_as_password: bool = True
    honour_token_revocation: bool = True
    honour_proxy_headers: bool = True
    announce_api_version: bool = True
    # Uploads and manifests (handlers/uploads.py, handlers/manifests.py).
    verify_blob_digest: bool = True
    chunks_in_order: bool = True
    max_manifest_bytes: int | None = None  # below the configured limit, if set
    manifest_intake: tuple[ManifestIntake, ...] = ()
    verify_manifest_references: bool = True
    verify_member_sizes: bool = True  # a list entry's size is its manifest's
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
    retention_removes_layers: bool = True  # an evicted manifest takes its layers and list members along
    complete_manifest_override: bool = False
    single_manifest_replaces_list: bool = True  # a list overwritten by a single manifest takes its members along
    delete_list_members: bool = True
    multiarch_delete_keeps_shared: bool = True  # members and layers other tags or lists use stay
    parents_by_digest: bool = True
    delete_image_recursively: bool = True
    folder_delete_takes_tags: bool = True  # a folder that is a tag's and holds images goes whole
    layout_colon_names: bool = False
    layout_tag_beside_image: bool = True  # a tag's folder lists its files when images lie below it too
    # Item properties (handlers/item_properties.py).
    set_properties_merges: bool = True  # Set Item Properties adds to an item's properties, never replaces them
    # Promotion (handlers/promote.py).
    validate_promotion: bool = True
    validate_target_tag: bool = True  # targetTag must be an OCI tag (when validate_promotion)
    promotion_checks_permissions: bool = True
    promotion_honours_copy: bool = True
    promotion_honours_target_tag: bool = True
    promote_every_tag: bool = True
    promotion_keeps_bytes: bool = True
    promotion_override_keeps_layers: bool = True
    # Copy and move of folders (handlers/copymove.py), and AQL (handlers/aql.py).
    copy_keeps_layers: bool = True  # the target repository holds the copied manifests' layers
    aql_property_criteria: bool = True  # @key criteria of items.find are applied
    aql_sort_honours_direction: bool = True  # .sort's $asc and $desc, not the other way round
    # Virtual and remote repositories (virtual.py, remote.py).
    virtual_reversed: bool = False
    virtual_first_member_only: bool = False
    virtual_deploys_to_default: bool = True
    virtual_tags_by_timestamp: bool = True
    remote_refuses_pushes: bool = True
    remote_revalidates: bool = True
    remote_serves_stale_cache: bool = True
    upstream_down_not_found: bool = True


def check_fields(owner: str, values: Mapping[str, object]) -> None:
    """Raise TypeError unless each of ``values`` is a Policy field of that type: checked when a
    fault or a version declares them, since mypy cannot check keywords that stand for fields."""
    defaults = Policy()
    for key, value in values.items():
        default = getattr(defaults, key, None)
        if not hasattr(defaults, key) or (default is not None and not isinstance(value, type(default))):
            raise TypeError(f"{owner}: {key}={value!r} is no Policy field of that type")


def bent(policy: Policy, values: Mapping[str, object]) -> Policy:
    """``policy`` with these fields set; a tuple field gains the items."""
    changed: dict[str, Any] = {
        key: getattr(policy, key) + value if isinstance(value, tuple) else value for key, value in values.items()
    }
    return replace(policy, **changed)

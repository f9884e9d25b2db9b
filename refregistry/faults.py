"""The fault catalogue: realistic defects refregistry can be started with.

A conformance check that cannot fail proves nothing.  Each fault below imitates a defect seen
in real registries or proxy setups; ``refregistry serve --fault NAME`` switches it on, and the
``checks`` column names the conformance capabilities (CONVENTIONS.md) whose checks must fail
with it.  ``refregistry faults --json`` prints this table; the self-tests read it.  All are
off by default: the code tests a frozen set once per request path, nothing more.
``serve --fault-control`` lets an admin switch the set while the server runs (handlers/control),
so a self-proof stands a stack up once and runs many faults against it in turn.

A few faults live in the stack around refregistry rather than in it (``where="stack"``): the
harness applies them when it builds a stack (a certificate, a proxy config) and refregistry
accepts and ignores them, so ``--fault`` names every defect the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    checks: tuple[str, ...]
    where: str = "refregistry"  # or "stack": applied by the harness that builds the stack
    # Stack faults built into a stack: the refregistry stacks (id globs) it is proven on, each
    # started with it.  Empty: the self-proof's direct and proxied stacks, switched at run time.
    stacks: tuple[str, ...] = ()


WRONG_CONTENT_DIGEST = Fault(
    "wrong-content-digest",
    "Docker-Content-Digest on manifest and blob answers is the digest of other content.",
    ("oci_pull", "push_pull"),
)
ACCEPT_DIGEST_MISMATCH = Fault(
    "accept-digest-mismatch",
    "A blob upload is committed under the client's digest even when the bytes hash to another.",
    ("oci_push",),
)
NO_AUTH_ON_PUSH = Fault(
    "no-auth-on-push",
    "Upload and manifest PUT routes skip authentication and permission checks.",
    ("push_pull", "oci_push"),
)
ANY_PASSWORD = Fault("any-password", "Basic authentication accepts any password for an existing user.", ("login",))
IGNORE_PAGINATION = Fault(
    "ignore-pagination",
    "tags/list and _catalog ignore n and last and always return everything.",
    ("catalog", "oci_discovery"),
)
NO_RANGE = Fault("no-range", "Blob GET ignores Range and answers 200 with the whole blob.", ("oci_pull",))
SKIP_BLOB_CHECK = Fault(
    "skip-blob-check",
    "Manifest PUT does not verify that the referenced blobs exist (no MANIFEST_BLOB_UNKNOWN).",
    ("oci_push",),
)
ACCEPT_OUT_OF_ORDER = Fault(
    "accept-out-of-order-chunk",
    "A PATCH whose Content-Range does not start at the upload's offset is appended anyway.",
    ("oci_push",),
)
REALM_IGNORES_PROXY = Fault(
    "realm-ignores-proxy",
    "The Bearer challenge realm and Location headers use the server's own address, not the "
    "proxy's override base URL or X-Forwarded headers.",
    ("ping", "login", "push_pull"),
)
LABELS_NOT_PROPAGATED = Fault(
    "labels-not-propagated",
    "Image labels do not become docker.label.* properties on the manifest item.",
    ("properties", "push_pull"),
)
DELETE_SHARED_BLOBS = Fault(
    "delete-shared-blobs",
    "Deleting a tag removes every layer and sub-manifest it referenced, even those other tags still use.",
    ("deletion",),
)
UNSORTED_TAGS = Fault(
    "unsorted-tags", "tags/list returns tags in push order instead of lexical order.", ("oci_discovery", "catalog")
)
REFERRERS_IGNORE_FILTER = Fault(
    "referrers-ignore-filter",
    "referrers claims OCI-Filters-Applied: artifactType but returns unfiltered descriptors.",
    ("oci_discovery",),
)
PING_NOT_OK = Fault(
    "ping-not-ok", "/artifactory/api/system/ping answers 200 with an HTML page instead of OK.", ("ping", "tls")
)
NO_API_VERSION_HEADER = Fault(
    "no-api-version-header",
    "Registry answers, /v2/ included, carry no Docker-Distribution-Api-Version: registry/2.0 (as behind a "
    "proxy that drops it), so clients probing /v2/ for it do not take the target for a registry.",
    ("oci_pull",),
)
PROMOTE_IGNORES_COPY = Fault(
    "promote-ignores-copy",
    "Promotion with copy false (a move) copies: the source tag stays behind.",
    ("promotion",),
)
MULTIARCH_DELETE_LIST_ONLY = Fault(
    "multiarch-delete-list-only",
    "The multi-arch delete API removes the list but leaves its platform manifests behind.",
    ("deletion",),
)
RETENTION_OFF_BY_ONE = Fault(
    "retention-off-by-one",
    "Max Unique Tags keeps one tag more than configured before evicting the oldest.",
    ("retention",),
)
REVISIONS_NOT_EVICTED = Fault(
    "revisions-not-evicted",
    "Tag Retention keeps every previous revision of an overwritten tag: none is ever evicted.",
    ("retention",),
)
TRASH_NOT_KEPT = Fault(
    "trash-not-kept",
    "Deleted and evicted tags bypass the trash can: nothing can be restored.",
    ("retention",),
)
VIRTUAL_WRONG_ORDER = Fault(
    "virtual-wrong-order",
    "A virtual repository resolves its members last to first.",
    ("virtual",),
)
VIRTUAL_FIRST_MEMBER_ONLY = Fault(
    "virtual-first-member-only",
    "A virtual repository reads only its first member: tags, images and blobs of the others are missing.",
    ("virtual",),
)
VIRTUAL_IGNORES_DEFAULT_DEPLOYMENT = Fault(
    "virtual-ignores-default-deployment",
    "Pushes to a virtual repository land in its first member instead of defaultDeploymentRepo.",
    ("virtual",),
)
V2_NO_CHALLENGE = Fault(
    "v2-no-challenge",
    "GET /v2/ answers 200 to anonymous clients: no Bearer challenge, so clients never fetch a token.",
    ("ping",),
)
BEARER_REFUSED = Fault(
    "bearer-refused",
    "The registry issues tokens but refuses them: every Bearer request gets 401 (docker login fails).",
    ("login", "ping"),
)
BLOB_HEAD_MISSING = Fault(
    "blob-head-missing",
    "HEAD on a blob answers 404 even when it exists, so clients re-upload layers the registry has.",
    ("push_pull", "oci_pull"),
)
REMOTE_NO_OFFLINE_CACHE = Fault(
    "remote-no-offline-cache",
    "A remote repository whose upstream is down answers 404 even for what it has cached.",
    ("remote",),
)
REMOTE_NEVER_REVALIDATES = Fault(
    "remote-never-revalidates",
    "A remote repository serves a cached tag forever, ignoring retrievalCachePeriodSecs: upstream updates never show.",
    ("remote",),
)
REMOTE_ACCEPTS_PUSH = Fault(
    "remote-accepts-push",
    "A remote repository stores pushes as if it were a local one, instead of refusing them.",
    ("remote",),
)
LIST_PLATFORMS_STRIPPED = Fault(
    "list-platforms-stripped",
    "Manifest lists and OCI indexes are served without their entries' platform fields, so engines "
    "find no manifest for their platform.",
    ("multiarch",),
)
LIST_OVERRIDE_DROPS_PLATFORMS = Fault(
    "list-override-drops-platforms",
    "Overwriting a list's tag removes its platform manifests, as if complete.manifest.override were on.",
    ("retention",),
)
VIRTUAL_IGNORES_TIMESTAMPS = Fault(
    "virtual-ignores-timestamps",
    "A virtual repository resolves tags in member order even with resolveDockerTagsByTimestamp on.",
    ("virtual",),
)
PUT_ANSWERS_WRONG_DIGEST = Fault(
    "put-answers-wrong-digest",
    "A manifest PUT answers a Docker-Content-Digest that is not the manifest's; clients trusting it record it.",
    ("push_pull",),
)
DIGEST_PULL_REWRITTEN = Fault(
    "digest-pull-rewritten",
    "A manifest asked for by digest is served re-serialized (other bytes, other digest): digest-pinned pulls,"
    " trusted pulls and platform pulls fail verification (the engine pins even a pull by tag to a digest).",
    ("content_trust", "multiarch", "push_pull", "remote"),
)
CERT_WITHOUT_REPO_NAMES = Fault(
    "cert-without-repo-names",
    "The stack's certificate names only its base host, not the per-repository names the subdomain method uses.",
    ("tls",),
    where="stack",
    stacks=("*-subdomain-tls",),
)

UPLOAD_CANCEL_IGNORED = Fault(
    "upload-cancel-ignored",
    "DELETE of an upload in progress answers 204 but the session lives on: its status still answers.",
    ("oci_push",),
)
UPLOAD_RANGE_EXCLUSIVE = Fault(
    "upload-range-exclusive",
    "Upload Range headers give the end offset exclusive (0-22 after 22 bytes), one past the spec's last byte.",
    ("oci_push",),
)
CLOSE_PUT_DROPS_CHUNKS = Fault(
    "close-put-drops-chunks",
    "The closing PUT of an upload keeps only its own body, dropping what the PATCHes sent (DIGEST_INVALID).",
    ("oci_push",),
)
MOUNT_WITHOUT_FROM_REFUSED = Fault(
    "mount-without-from-refused",
    "POST ?mount= without from answers 405 instead of opening an upload (zot #442).",
    ("oci_push",),
)
MOUNT_ANSWERS_WRONG_LOCATION = Fault(
    "mount-answers-wrong-location",
    "A cross-repository mount opens its upload under the from repository: the Location names the source.",
    ("oci_push",),
)
MANIFEST_CONTENT_TYPE_REWRITTEN = Fault(
    "manifest-content-type-rewritten",
    "Manifests are served as application/json, not with the media type they were pushed with.",
    ("oci_pull",),
)
MALFORMED_REFERENCE_500 = Fault(
    "malformed-reference-500",
    "A manifest reference that is neither a valid tag nor a well-formed digest crashes the handler (500).",
    ("oci_pull",),
)
UNKNOWN_FIELDS_DROPPED = Fault(
    "unknown-fields-dropped",
    "Pushed manifests are stored re-serialized from the fields the registry knows: unknown ones are lost.",
    ("oci_push", "oci_pull"),
)
EMPTY_LAYERS_CRASH = Fault(
    "empty-layers-crash",
    "A manifest with an empty layers list crashes the handler (500), which takes layers[0] for granted.",
    ("oci_push",),
)
MANIFEST_LIMIT_1MIB = Fault(
    "manifest-limit-1mib",
    "Manifests over 1 MiB are refused with 413 (a proxy's default body limit), below the spec's 4 MB.",
    ("oci_push",),
)
UPLOAD_COMMIT_ANSWERS_204 = Fault(
    "upload-commit-answers-204",
    "A completed blob upload answers 204 No Content instead of 201 Created (clients accepting any 2xx never notice).",
    ("oci_push",),
)
OVERSIZE_MANIFEST_500 = Fault(
    "oversize-manifest-500",
    "A manifest over the size limit answers 500 instead of 413.",
    ("oci_push",),
)

PAGINATION_LINK_LOOPS = Fault(
    "pagination-link-loops",
    "tags/list and _catalog build their Link from the request's own last instead of the page's, so "
    "following rel=next returns the same page forever.",
    ("oci_discovery", "catalog"),
)
REFERRERS_404_FOR_UNKNOWN = Fault(
    "referrers-404-for-unknown",
    "referrers answers 404 MANIFEST_UNKNOWN for a subject not in the repository instead of an empty index.",
    ("oci_discovery",),
)
REFERRERS_BEFORE_SUBJECT_LOST = Fault(
    "referrers-before-subject-lost",
    "A manifest pushed before its subject exists is stored but never listed among the subject's referrers.",
    ("oci_discovery",),
)
REFERRERS_NO_CONFIG_ARTIFACT_TYPE = Fault(
    "referrers-no-config-artifact-type",
    "referrers descriptors take artifactType only from the manifest's field, never from its config's media type.",
    ("oci_discovery",),
)
NO_OCI_SUBJECT_HEADER = Fault(
    "no-oci-subject-header",
    "A manifest PUT with a subject answers no OCI-Subject header, so clients also maintain the referrers tag.",
    ("oci_discovery",),
)
TAG_DELETE_REMOVES_MANIFEST = Fault(
    "tag-delete-removes-manifest",
    "Deleting a tag deletes the manifest it points at, with every other tag on it.",
    ("oci_management",),
)
DELETE_LEAVES_MANIFEST = Fault(
    "delete-leaves-manifest",
    "A manifest DELETE by digest answers 202 but only removes its tags: the manifest is still served by digest.",
    ("oci_management",),
)
DELETE_UNKNOWN_MANIFEST_ACCEPTED = Fault(
    "delete-unknown-manifest-accepted",
    "Deleting a manifest that does not exist answers 202 instead of 404 MANIFEST_UNKNOWN.",
    ("oci_management",),
)
DELETED_BLOB_STILL_SERVED = Fault(
    "deleted-blob-still-served",
    "Blob DELETE answers 202 but keeps the blob: it is still served afterwards.",
    ("oci_management",),
)

PROMOTE_SKIPS_VALIDATION = Fault(
    "promote-skips-validation",
    "The promotion body is not validated: malformed JSON crashes the handler (500), copy is taken by "
    "truthiness, targetTag is not checked against the tag rule and an unknown tag is a silent no-op (200).",
    ("promotion",),
)
PROMOTE_NO_PERMISSION_CHECK = Fault(
    "promote-no-permission-check",
    "Promotion asks only for read on the source: a read-only user may deploy to the target and move.",
    ("promotion",),
)
PROMOTE_IGNORES_TARGET_TAG = Fault(
    "promote-ignores-target-tag",
    "Promotion ignores targetTag, as promote APIs predating it did: the tag keeps its source name.",
    ("promotion",),
)
PROMOTE_WHOLE_IMAGE_LATEST_ONLY = Fault(
    "promote-whole-image-latest-only",
    "Promotion without a tag promotes only latest (the Docker client's default tag), not every tag.",
    ("promotion",),
)
PROMOTE_COPY_RESERIALIZED = Fault(
    "promote-copy-reserialized",
    "Promotion records the manifest re-serialized from its JSON: the target's tag has another digest.",
    ("promotion",),
)
PROMOTE_OVERRIDE_DELETES_LAYERS = Fault(
    "promote-override-deletes-layers",
    "Promoting onto an existing tag removes the replaced image's layers from the target, even those "
    "its other tags still use.",
    ("promotion",),
)
PARENT_LISTS_BY_FOLDER = Fault(
    "parent-lists-by-folder",
    "parentManifests looks for lists holding the tag's folder instead of its digest: a platform tagged "
    "on its own is reported in no list.",
    ("deletion",),
)
IMAGE_DELETE_NOT_RECURSIVE = Fault(
    "image-delete-not-recursive",
    "DELETE of an image folder answers 204 but removes only the files directly in it, not its tag folders.",
    ("deletion",),
)
LAYOUT_COLON_NAMES = Fault(
    "layout-colon-names",
    "The storage API names layer and config files sha256:<hex> rather than Artifactory's sha256__<hex>.",
    ("properties",),
)
REMOTE_UPSTREAM_DOWN_502 = Fault(
    "remote-upstream-down-502",
    "A remote repository whose upstream cannot be reached answers 502 Bad Gateway for what it has not "
    "cached, instead of 404 MANIFEST_UNKNOWN.",
    ("remote",),
)
LIST_IGNORES_ACCEPT = Fault(
    "list-ignores-accept",
    "A manifest list or OCI index is served to a client whose Accept names only single-image types.",
    ("multiarch",),
)

CERT_EXPIRES_SOON = Fault(
    "cert-expires-soon",
    "The stack's certificate expires in three days: its renewal did not run, clients still accept it for now.",
    ("tls",),
    where="stack",
    stacks=("*-tls",),
)
CERT_CHAIN_INCOMPLETE = Fault(
    "cert-chain-incomplete",
    "The stack's certificate is issued by an intermediate CA but served alone (the cert file, not the full "
    "chain): clients trusting the root cannot verify it.",
    ("tls",),
    where="stack",
    stacks=("*-tls",),
)
PLAIN_HTTP_NOT_REDIRECTED = Fault(
    "plain-http-not-redirected",
    "The proxy config is the stock one: plain HTTP on its TLS port gets an error (nginx/Apache 400, HAProxy a "
    "closed connection), not a redirect to https.",
    ("tls",),
    where="stack",
    stacks=("nginx-*", "apache-*", "haproxy-*"),
)
NOTARY_CERT_WRONG_NAME = Fault(
    "notary-cert-wrong-name",
    "The Notary server is given the registry's certificate, which does not name the Notary host: "
    "every signing push and trusted pull fails TLS verification.",
    ("content_trust",),
    where="stack",
)

SUBDOMAIN_HANDSHAKE_REFUSED = Fault(
    "subdomain-handshake-refused",
    "The proxy's server_name lists the base host only and its hardened default server (ssl_reject_handshake) "
    "refuses the TLS handshake of the repositories' subdomain names.",
    ("tls",),
    where="stack",
    stacks=("nginx-subdomain-tls",),
)

CATALOGUE: tuple[Fault, ...] = (
    WRONG_CONTENT_DIGEST,
    NO_API_VERSION_HEADER,
    ACCEPT_DIGEST_MISMATCH,
    NO_AUTH_ON_PUSH,
    ANY_PASSWORD,
    IGNORE_PAGINATION,
    NO_RANGE,
    SKIP_BLOB_CHECK,
    ACCEPT_OUT_OF_ORDER,
    REALM_IGNORES_PROXY,
    LABELS_NOT_PROPAGATED,
    DELETE_SHARED_BLOBS,
    UNSORTED_TAGS,
    REFERRERS_IGNORE_FILTER,
    PING_NOT_OK,
    PROMOTE_IGNORES_COPY,
    MULTIARCH_DELETE_LIST_ONLY,
    RETENTION_OFF_BY_ONE,
    REVISIONS_NOT_EVICTED,
    TRASH_NOT_KEPT,
    VIRTUAL_WRONG_ORDER,
    VIRTUAL_FIRST_MEMBER_ONLY,
    VIRTUAL_IGNORES_DEFAULT_DEPLOYMENT,
    V2_NO_CHALLENGE,
    BEARER_REFUSED,
    BLOB_HEAD_MISSING,
    REMOTE_NO_OFFLINE_CACHE,
    REMOTE_NEVER_REVALIDATES,
    REMOTE_ACCEPTS_PUSH,
    LIST_OVERRIDE_DROPS_PLATFORMS,
    LIST_PLATFORMS_STRIPPED,
    VIRTUAL_IGNORES_TIMESTAMPS,
    PUT_ANSWERS_WRONG_DIGEST,
    DIGEST_PULL_REWRITTEN,
    CERT_WITHOUT_REPO_NAMES,
    UPLOAD_CANCEL_IGNORED,
    UPLOAD_RANGE_EXCLUSIVE,
    CLOSE_PUT_DROPS_CHUNKS,
    MOUNT_WITHOUT_FROM_REFUSED,
    MOUNT_ANSWERS_WRONG_LOCATION,
    MANIFEST_CONTENT_TYPE_REWRITTEN,
    MALFORMED_REFERENCE_500,
    UNKNOWN_FIELDS_DROPPED,
    EMPTY_LAYERS_CRASH,
    MANIFEST_LIMIT_1MIB,
    OVERSIZE_MANIFEST_500,
    UPLOAD_COMMIT_ANSWERS_204,
    PAGINATION_LINK_LOOPS,
    REFERRERS_404_FOR_UNKNOWN,
    REFERRERS_BEFORE_SUBJECT_LOST,
    REFERRERS_NO_CONFIG_ARTIFACT_TYPE,
    NO_OCI_SUBJECT_HEADER,
    TAG_DELETE_REMOVES_MANIFEST,
    DELETE_LEAVES_MANIFEST,
    DELETE_UNKNOWN_MANIFEST_ACCEPTED,
    DELETED_BLOB_STILL_SERVED,
    PROMOTE_SKIPS_VALIDATION,
    PROMOTE_NO_PERMISSION_CHECK,
    PROMOTE_IGNORES_TARGET_TAG,
    PROMOTE_WHOLE_IMAGE_LATEST_ONLY,
    PROMOTE_COPY_RESERIALIZED,
    PROMOTE_OVERRIDE_DELETES_LAYERS,
    PARENT_LISTS_BY_FOLDER,
    IMAGE_DELETE_NOT_RECURSIVE,
    LAYOUT_COLON_NAMES,
    REMOTE_UPSTREAM_DOWN_502,
    LIST_IGNORES_ACCEPT,
    CERT_EXPIRES_SOON,
    CERT_CHAIN_INCOMPLETE,
    PLAIN_HTTP_NOT_REDIRECTED,
    NOTARY_CERT_WRONG_NAME,
    SUBDOMAIN_HANDSHAKE_REFUSED,
)
BY_NAME = {f.name: f for f in CATALOGUE}


class UnknownFault(ValueError):
    pass


class Faults:
    """The set of faults a server runs with; ``fault in faults`` is the only query."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.active: frozenset[Fault] = frozenset()
        self.switch(names)

    def switch(self, names: Iterable[str]) -> None:
        """Replace the whole set (``serve --fault-control``); nothing changes if a name is unknown."""
        active = set()
        for name in names:
            if name not in BY_NAME:
                raise UnknownFault(f"unknown fault {name!r}; `refregistry faults` lists them")
            active.add(BY_NAME[name])
        self.active = frozenset(active)

    def names(self) -> list[str]:
        return sorted(f.name for f in self.active)

    def __contains__(self, fault: Fault) -> bool:
        return fault in self.active

    def __bool__(self) -> bool:
        return bool(self.active)


def catalogue_json() -> list[dict[str, object]]:
    return [{**asdict(f), "checks": list(f.checks)} for f in CATALOGUE]

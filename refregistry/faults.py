"""The fault catalogue: realistic defects refregistry can be started with.

A conformance check that cannot fail proves nothing.  Each fault below imitates a defect seen
in real registries or proxy setups; ``refregistry serve --fault NAME`` switches it on, and the
``checks`` column names the conformance capabilities (CONVENTIONS.md) whose checks must fail
with it.  ``refregistry faults --json`` prints this table; the self-tests read it.  All are
off by default: the code tests a frozen set once per request path, nothing more.

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
    "ping-not-ok", "/artifactory/api/system/ping answers 200 with an HTML page instead of OK.", ("ping",)
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
)

CATALOGUE: tuple[Fault, ...] = (
    WRONG_CONTENT_DIGEST,
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
)
BY_NAME = {f.name: f for f in CATALOGUE}


class UnknownFault(ValueError):
    pass


class Faults:
    """The set of faults a server runs with; ``fault in faults`` is the only query."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        active = set()
        for name in names:
            if name not in BY_NAME:
                raise UnknownFault(f"unknown fault {name!r}; `refregistry faults` lists them")
            active.add(BY_NAME[name])
        self.active = frozenset(active)

    def __contains__(self, fault: Fault) -> bool:
        return fault in self.active

    def __bool__(self) -> bool:
        return bool(self.active)


def catalogue_json() -> list[dict[str, object]]:
    return [{**asdict(f), "checks": list(f.checks)} for f in CATALOGUE]

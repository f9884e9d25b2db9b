"""The catalogue's first part: what Docker clients and Artifactory users meet first.

Digests, authentication, pagination, deletion, retention, promotion, virtual and remote
repositories, manifest lists.  Catalogue order: a stack fault found at the time sits among them.
"""

from __future__ import annotations

import json

from aiohttp import web

from ..errors import Code, RegistryError
from ..mediatypes import LIST_TYPES
from ..validation import is_digest
from .catalogue import Handler, fault, on
from .rewrites import BOGUS_DIGEST, header, ignoring_query, json_body, without_query

bogus_digest = header("Docker-Content-Digest", BOGUS_DIGEST)


async def whole_blob(request: web.Request, handler: Handler) -> web.StreamResponse:
    if "Range" not in request.headers:
        return await handler(request)
    plain = request.clone(headers={k: v for k, v in request.headers.items() if k != "Range"})
    response = await handler(plain)
    # A file answer reads Range when it is prepared: prepared here, against the request without it.
    await response.prepare(plain)
    return response


async def unfiltered(request: web.Request, handler: Handler) -> web.StreamResponse:
    wanted = request.query.get("artifactType")
    response = await handler(without_query(request, "artifactType"))
    if wanted:
        response.headers["OCI-Filters-Applied"] = "artifactType"
    return response


async def html_ping(request: web.Request, handler: Handler) -> web.StreamResponse:
    return web.Response(text="<html><body>Artifactory is starting</body></html>", content_type="text/html")


async def blob_missing(request: web.Request, handler: Handler) -> web.StreamResponse:
    raise RegistryError(Code.BLOB_UNKNOWN, detail={"digest": request.match_info["digest"]})


async def platforms_stripped(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if response.headers.get("Content-Type") in LIST_TYPES and isinstance(response, web.Response):
        doc = json_body(response)
        for entry in doc["manifests"]:
            entry.pop("platform", None)
        response.body = json.dumps(doc).encode()
    return response


async def reserialized_by_digest(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if is_digest(request.match_info["reference"]) and isinstance(response, web.Response):
        response.body = json.dumps(json_body(response), indent=1).encode()
    return response


fault(
    "wrong-content-digest",
    "Docker-Content-Digest on manifest and blob answers is the digest of other content.",
    ("oci_pull", "push_pull"),
    rewrites=(on("manifest", "GET", "HEAD")(bogus_digest), on("blob", "GET", "HEAD")(bogus_digest)),
)
fault(
    "no-api-version-header",
    "Registry answers, /v2/ included, carry no Docker-Distribution-Api-Version: registry/2.0 (as behind a "
    "proxy that drops it), so clients probing /v2/ for it do not take the target for a registry.",
    ("oci_pull",),
    announce_api_version=False,
)
fault(
    "accept-digest-mismatch",
    "A blob upload is committed under the client's digest even when the bytes hash to another.",
    ("oci_push",),
    verify_blob_digest=False,
)
fault(
    "no-auth-on-push",
    "Upload and manifest PUT routes skip authentication and permission checks.",
    ("push_pull", "oci_push"),
    deploy_needs_permission=False,
)
fault(
    "any-password",
    "Basic authentication accepts any password for an existing user.",
    ("login",),
    any_password=True,
)
fault(
    "ignore-pagination",
    "tags/list and _catalog ignore n and last and always return everything.",
    ("catalog", "oci_discovery"),
    rewrites=(on("tags")(ignoring_query("n", "last")), on("catalog")(ignoring_query("n", "last"))),
)
fault(
    "no-range",
    "Blob GET ignores Range and answers 200 with the whole blob.",
    ("oci_pull",),
    rewrites=(on("blob", "GET")(whole_blob),),
)
fault(
    "skip-blob-check",
    "Manifest PUT does not verify that the referenced blobs exist (no MANIFEST_BLOB_UNKNOWN).",
    ("oci_push",),
    verify_manifest_references=False,
)
fault(
    "accept-out-of-order-chunk",
    "A PATCH whose Content-Range does not start at the upload's offset is appended anyway.",
    ("oci_push",),
    chunks_in_order=False,
)
fault(
    "realm-ignores-proxy",
    "The Bearer challenge realm and Location headers use the server's own address, not the "
    "proxy's override base URL or X-Forwarded headers.",
    ("ping", "login", "push_pull"),
    honour_proxy_headers=False,
)
fault(
    "labels-not-propagated",
    "Image labels do not become docker.label.* properties on the manifest item.",
    ("properties", "push_pull"),
    label_properties=False,
)
fault(
    "delete-shared-blobs",
    "Deleting a tag removes every layer and sub-manifest it referenced, even those other tags still use.",
    ("deletion",),
    keep_shared_blobs=False,
)
fault(
    "unsorted-tags",
    "tags/list returns tags in push order instead of lexical order.",
    ("oci_discovery", "catalog"),
    sort_tags=False,
)
fault(
    "referrers-ignore-filter",
    "referrers claims OCI-Filters-Applied: artifactType but returns unfiltered descriptors.",
    ("oci_discovery",),
    rewrites=(on("referrers")(unfiltered),),
)
fault(
    "ping-not-ok",
    "/artifactory/api/system/ping answers 200 with an HTML page instead of OK.",
    ("ping", "tls"),
    rewrites=(on("system-ping")(html_ping),),
)
fault(
    "promote-ignores-copy",
    "Promotion with copy false (a move) copies: the source tag stays behind.",
    ("promotion",),
    promotion_honours_copy=False,
)
fault(
    "multiarch-delete-list-only",
    "The multi-arch delete API removes the list but leaves its platform manifests behind.",
    ("deletion",),
    delete_list_members=False,
)
fault(
    "retention-off-by-one",
    "Max Unique Tags keeps one tag more than configured before evicting the oldest.",
    ("retention",),
    retention_extra_kept=1,
)
fault(
    "revisions-not-evicted",
    "Tag Retention keeps every previous revision of an overwritten tag: none is ever evicted.",
    ("retention",),
    evict_revisions=False,
)
fault(
    "trash-not-kept",
    "Deleted and evicted tags bypass the trash can: nothing can be restored.",
    ("retention",),
    trashcan=False,
)
fault(
    "virtual-wrong-order",
    "A virtual repository resolves its members last to first.",
    ("virtual",),
    virtual_reversed=True,
)
fault(
    "virtual-first-member-only",
    "A virtual repository reads only its first member: tags, images and blobs of the others are missing.",
    ("virtual",),
    virtual_first_member_only=True,
)
fault(
    "virtual-ignores-default-deployment",
    "Pushes to a virtual repository land in its first member instead of defaultDeploymentRepo.",
    ("virtual",),
    virtual_deploys_to_default=False,
)
fault(
    "v2-no-challenge",
    "GET /v2/ answers 200 to anonymous clients: no Bearer challenge, so clients never fetch a token.",
    ("ping",),
    ping_challenges_anonymous=False,
)
fault(
    "bearer-refused",
    "The registry issues tokens but refuses them: every Bearer request gets 401 (docker login fails).",
    ("login", "ping", "credentials"),
    accept_bearer_tokens=False,
)
fault(
    "blob-head-missing",
    "HEAD on a blob answers 404 even when it exists, so clients re-upload layers the registry has.",
    ("push_pull", "oci_pull"),
    rewrites=(on("blob", "HEAD")(blob_missing),),
)
fault(
    "remote-no-offline-cache",
    "A remote repository whose upstream is down answers 404 even for what it has cached.",
    ("remote",),
    remote_serves_stale_cache=False,
)
fault(
    "remote-never-revalidates",
    "A remote repository serves a cached tag forever, ignoring retrievalCachePeriodSecs: upstream updates never show.",
    ("remote",),
    remote_revalidates=False,
)
fault(
    "remote-accepts-push",
    "A remote repository stores pushes as if it were a local one, instead of refusing them.",
    ("remote",),
    remote_refuses_pushes=False,
)
fault(
    "list-override-drops-platforms",
    "Overwriting a list's tag with another list removes the old list's platform manifests, as if "
    "complete.manifest.override were on.",
    ("retention",),
    complete_manifest_override=True,
)
fault(
    "list-overwrite-keeps-sub-manifests",
    "Overwriting a list's tag with a single image replaces only the list: its platform manifests stay behind, "
    "where the documentation says a complete replacement removes them.",
    ("retention",),
    single_manifest_replaces_list=False,
)
fault(
    "member-size-unchecked",
    "A manifest list whose entry gives another size than its platform manifest's is stored: no client can "
    "pull that platform through it (each checks the size the list gives).",
    ("multiarch",),
    verify_member_sizes=False,
)
fault(
    "list-platforms-stripped",
    "Manifest lists and OCI indexes are served without their entries' platform fields, so engines "
    "find no manifest for their platform.",
    ("multiarch",),
    rewrites=(on("manifest", "GET")(platforms_stripped),),
)
fault(
    "virtual-ignores-timestamps",
    "A virtual repository resolves tags in member order even with resolveDockerTagsByTimestamp on.",
    ("virtual",),
    virtual_tags_by_timestamp=False,
)
fault(
    "put-answers-wrong-digest",
    "A manifest PUT answers a Docker-Content-Digest that is not the manifest's; clients trusting it record it.",
    ("push_pull",),
    rewrites=(on("manifest", "PUT")(bogus_digest),),
)
fault(
    "digest-pull-rewritten",
    "A manifest asked for by digest is served re-serialized (other bytes, other digest): digest-pinned pulls,"
    " trusted pulls and platform pulls fail verification (the engine pins even a pull by tag to a digest).",
    ("content_trust", "multiarch", "push_pull", "remote"),
    rewrites=(on("manifest", "GET")(reserialized_by_digest),),
)
fault(
    "read-only-users-refused",
    "A user whose permission grants read alone is refused pulls (403 DENIED): the permission target a read-only"
    " team relies on names the wrong repositories.",
    ("push_pull",),
    read_only_users_read=False,
)
fault(
    "challenge-without-scope",
    "The Bearer challenge on an image's routes names realm and service but no scope (as some proxies and"
    " older versions answer): clients that take the scope from the challenge get tokens that open nothing.",
    ("login",),
    challenge_names_scope=False,
)
fault(
    "cert-without-repo-names",
    "The stack's certificate names only its base host, not the per-repository names the subdomain method uses.",
    ("tls",),
    where="stack",
    stacks=("*-subdomain-tls",),
)

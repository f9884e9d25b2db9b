"""The catalogue's second part: the OCI distribution-spec workflows.

Push (upload sessions, mounts, manifest intake and limits), discovery (pagination, referrers)
and content management (manifest, tag and blob deletion).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from ..errors import Code, RegistryError
from ..handlers.base import context, state
from ..storage.blobs import DIGEST
from ..validation import SHA512, TAG, ParsedManifest, check_digest, is_digest
from .catalogue import Handler, fault, on
from .rewrites import accepted_despite, crash_on, error_page, header, status, without_header


def _open_session(request: web.Request) -> str | None:
    """The upload the URL names, if it is open in this repository and image."""
    ctx, upload_id = context(request), request.match_info["uuid"]
    open_here = state(request).storage.open_upload(str(ctx.repo), str(ctx.image), upload_id) is not None
    return upload_id if open_here else None


async def cancel_ignored(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _open_session(request) is None:
        return await handler(request)
    return web.Response(status=204, headers={"Content-Length": "0"})


async def range_exclusive(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    upload_id = response.headers.get("Docker-Upload-UUID")
    if upload_id is not None:
        response.headers["Range"] = f"0-{state(request).storage.upload_size(upload_id) or 0}"
    return response


async def chunks_dropped(request: web.Request, handler: Handler) -> web.StreamResponse:
    upload_id = _open_session(request)
    if upload_id is not None and DIGEST.fullmatch(request.query.get("digest", "")):
        state(request).storage.truncate_upload(upload_id)
    return await handler(request)


async def mount_refused(request: web.Request, handler: Handler) -> web.StreamResponse:
    query = request.query
    if "mount" in query and "from" not in query and "digest" not in query:
        raise RegistryError(Code.UNSUPPORTED, "blob mount without from is not supported")
    return await handler(request)


async def mount_located_at_source(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    ctx, query = context(request), request.query
    if response.status == 202 and "mount" in query and "from" in query:
        source = query["from"].removeprefix(f"{ctx.key}/")
        response.headers["Location"] = ctx.root_url(f"{source}/blobs/uploads/{response.headers['Docker-Upload-UUID']}")
    return response


async def malformed_reference_crash(request: web.Request, handler: Handler) -> web.StreamResponse:
    reference = request.match_info["reference"]
    if not (TAG.fullmatch(reference) or DIGEST.fullmatch(reference)):
        raise ValueError(f"cannot parse reference {reference!r}")  # unhandled: aiohttp answers 500
    return await handler(request)


KNOWN_FIELDS = {"schemaVersion", "mediaType", "artifactType", "config", "layers", "manifests", "subject", "annotations"}
KNOWN_DESCRIPTOR_FIELDS = {"mediaType", "digest", "size", "urls", "annotations", "platform", "artifactType", "data"}


def _known(descriptor: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in descriptor.items() if k in KNOWN_DESCRIPTOR_FIELDS}


def known_fields_only(body: bytes, parsed: ParsedManifest) -> bytes:
    doc = json.loads(body)
    kept = {k: v for k, v in doc.items() if k in KNOWN_FIELDS}
    for key in ("config", "subject"):
        if isinstance(kept.get(key), dict):
            kept[key] = _known(kept[key])
    for key in ("layers", "manifests"):
        if isinstance(kept.get(key), list):
            kept[key] = [_known(d) for d in kept[key]]
    return body if kept == doc else json.dumps(kept, separators=(",", ":")).encode()


def first_layer_taken(body: bytes, parsed: ParsedManifest) -> bytes:
    if parsed.config_digest and all(r.kind == "config" for r in parsed.refs):
        raise IndexError("list index out of range")  # layers[0] of an empty list: aiohttp answers 500
    return body


async def link_loops(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The next page's link echoes the request's own ``last`` instead of the page's."""
    response = await handler(request)
    link = response.headers.get("Link")
    if link is not None:
        url, _, rest = link[1:].partition(">")
        base, _, query = url.partition("?")
        params = {**dict(parse_qsl(query)), "last": request.query.get("last", "")}
        response.headers["Link"] = f"<{base}?{urlencode({k: v for k, v in params.items() if v})}>{rest}"
    return response


async def referrers_of_unknown_404(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx, subject = context(request), check_digest(request.match_info["digest"])
    if state(request).storage.manifest(str(ctx.repo), str(ctx.image), subject) is None:
        raise RegistryError(Code.MANIFEST_UNKNOWN, detail={"digest": subject})
    return await handler(request)


async def tag_delete_takes_manifest(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx, storage, reference = context(request), state(request).storage, request.match_info["reference"]
    repo, image = str(ctx.repo), str(ctx.image)
    digest = None if is_digest(reference) else storage.resolve(repo, image, reference)
    response = await handler(request)
    if digest is not None and storage.manifest(repo, image, digest) is not None:
        await storage.delete_manifest(repo, image, digest, cascade=False)
    return response


async def delete_only_untags(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx, storage, reference = context(request), state(request).storage, request.match_info["reference"]
    repo, image = str(ctx.repo), str(ctx.image)
    if not is_digest(reference) or storage.manifest(repo, image, reference) is None:
        return await handler(request)
    for tag in storage.tags_of(repo, image, reference):
        storage.untag(repo, image, tag)
    return web.Response(status=202, headers={"Content-Length": "0"})


async def unknown_delete_accepted(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_digest(request.match_info["reference"]):
        return await handler(request)  # an unknown tag is still 404
    return await accepted_despite(Code.MANIFEST_UNKNOWN)(request, handler)


async def sha512_refused(request: web.Request, handler: Handler) -> web.StreamResponse:
    named = request.match_info.get("digest") or request.match_info.get("reference", "")
    if SHA512.fullmatch(named):
        raise RegistryError(Code.DIGEST_INVALID, f"invalid or unsupported digest {named!r} (sha256 required)")
    return await handler(request)


fault(
    "upload-cancel-ignored",
    "DELETE of an upload in progress answers 204 but the session lives on: its status still answers.",
    ("oci_push",),
    rewrites=(on("upload", "DELETE")(cancel_ignored),),
)
fault(
    "upload-range-exclusive",
    "Upload Range headers give the end offset exclusive (0-22 after 22 bytes), one past the spec's last byte.",
    ("oci_push",),
    rewrites=(on("upload-start", "POST")(range_exclusive), on("upload", "PATCH", "GET")(range_exclusive)),
)
fault(
    "close-put-drops-chunks",
    "The closing PUT of an upload keeps only its own body, dropping what the PATCHes sent (DIGEST_INVALID).",
    ("oci_push",),
    rewrites=(on("upload", "PUT")(chunks_dropped),),
)
fault(
    "mount-without-from-refused",
    "POST ?mount= without from answers 405 instead of opening an upload (zot #442).",
    ("oci_push",),
    rewrites=(on("upload-start", "POST")(mount_refused),),
)
fault(
    "mount-answers-wrong-location",
    "A cross-repository mount opens its upload under the from repository: the Location names the source.",
    ("oci_push",),
    rewrites=(on("upload-start", "POST")(mount_located_at_source),),
)
fault(
    "manifest-content-type-rewritten",
    "Manifests are served as application/json, not with the media type they were pushed with.",
    ("oci_pull",),
    rewrites=(on("manifest", "GET", "HEAD")(header("Content-Type", "application/json")),),
)
fault(
    "malformed-reference-500",
    "A manifest reference that is neither a valid tag nor a well-formed digest crashes the handler (500).",
    ("oci_pull",),
    rewrites=(on("manifest", "GET", "HEAD")(malformed_reference_crash),),
)
fault(
    "unknown-fields-dropped",
    "Pushed manifests are stored re-serialized from the fields the registry knows: unknown ones are lost.",
    ("oci_push", "oci_pull"),
    manifest_intake=(known_fields_only,),
)
fault(
    "empty-layers-crash",
    "A manifest with an empty layers list crashes the handler (500), which takes layers[0] for granted.",
    ("oci_push",),
    manifest_intake=(first_layer_taken,),
)
fault(
    "manifest-limit-1mib",
    "Manifests over 1 MiB are refused with 413 (a proxy's default body limit), below the spec's 4 MB.",
    ("oci_push",),
    max_manifest_bytes=1 << 20,
)
fault(
    "oversize-manifest-500",
    "A manifest over the size limit answers 500 instead of 413.",
    ("oci_push",),
    rewrites=(on("manifest", "PUT")(crash_on(Code.MANIFEST_TOO_LARGE)),),
)
fault(
    "upload-commit-answers-204",
    "A completed blob upload answers 204 No Content instead of 201 Created (clients accepting any 2xx never notice).",
    ("oci_push",),
    rewrites=(on("upload-start", "POST")(status(201, 204)), on("upload", "PUT")(status(201, 204))),
)
fault(
    "pagination-link-loops",
    "tags/list and _catalog build their Link from the request's own last instead of the page's, so "
    "following rel=next returns the same page forever.",
    ("oci_discovery", "catalog"),
    rewrites=(on("tags")(link_loops), on("catalog")(link_loops)),
)
fault(
    "referrers-404-for-unknown",
    "referrers answers 404 MANIFEST_UNKNOWN for a subject not in the repository instead of an empty index.",
    ("oci_discovery",),
    rewrites=(on("referrers")(referrers_of_unknown_404),),
)
fault(
    "referrers-before-subject-lost",
    "A manifest pushed before its subject exists is stored but never listed among the subject's referrers.",
    ("oci_discovery",),
    list_early_referrers=False,
)
fault(
    "referrers-no-config-artifact-type",
    "referrers descriptors take artifactType only from the manifest's field, never from its config's media type.",
    ("oci_discovery",),
    config_artifact_type=False,
)
fault(
    "no-oci-subject-header",
    "A manifest PUT with a subject answers no OCI-Subject header, so clients also maintain the referrers tag.",
    ("oci_discovery",),
    rewrites=(on("manifest", "PUT")(without_header("OCI-Subject")),),
)
fault(
    "tag-delete-removes-manifest",
    "Deleting a tag deletes the manifest it points at, with every other tag on it.",
    ("oci_management",),
    rewrites=(on("manifest", "DELETE")(tag_delete_takes_manifest),),
)
fault(
    "delete-leaves-manifest",
    "A manifest DELETE by digest answers 202 but only removes its tags: the manifest is still served by digest.",
    ("oci_management",),
    rewrites=(on("manifest", "DELETE")(delete_only_untags),),
)
fault(
    "delete-unknown-manifest-accepted",
    "Deleting a manifest that does not exist answers 202 instead of 404 MANIFEST_UNKNOWN.",
    ("oci_management",),
    rewrites=(on("manifest", "DELETE")(unknown_delete_accepted),),
)
fault(
    "deleted-blob-still-served",
    "Blob DELETE answers 202 but keeps the blob: it is still served afterwards.",
    ("oci_management",),
    rewrites=(on("blob", "DELETE")(accepted_despite(Code.UNSUPPORTED)),),
)
fault(
    "error-pages-replace-404",
    "A proxy's own error page replaces the registry's 404 answers: an image nobody pushed answers an HTML page "
    "instead of the spec's JSON error (NAME_UNKNOWN, MANIFEST_UNKNOWN), so clients cannot tell it from a wrong URL.",
    ("oci_pull",),
    rewrites=(on("manifest", "GET", "HEAD")(error_page(404)), on("tags", "GET")(error_page(404))),
)
fault(
    "sha512-not-found-400",
    "GET and HEAD by a well-formed sha512 digest answer 400 DIGEST_INVALID instead of 404: a client asking "
    "whether content exists under that digest is told its request is wrong.",
    ("oci_pull",),
    rewrites=(on("manifest", "GET", "HEAD")(sha512_refused), on("blob", "GET", "HEAD")(sha512_refused)),
)

"""``/v2/<name>/manifests/<reference>``: HEAD, GET (content negotiation), PUT, DELETE."""

from __future__ import annotations

from aiohttp import web

from ..config import LocalRepo
from ..errors import Code, RegistryError
from ..mediatypes import LIST_TYPES, SCHEMA1
from ..storage import Limits, Manifest
from ..storage.blobs import sha256_digest
from ..validation import (
    TAG,
    ParsedManifest,
    check_digest,
    check_lookup,
    check_tag,
    is_digest,
    labels_of,
    parse_manifest,
)
from .base import context, state

CONFIG_LIMIT = 4 * 1024 * 1024


def _reference(request: web.Request) -> tuple[str | None, str]:
    """(tag or None, digest) of the manifest the URL names; MANIFEST_UNKNOWN if none."""
    ctx, storage = context(request), state(request).storage
    reference = request.match_info["reference"]
    if is_digest(reference):
        return None, check_lookup(reference, Code.MANIFEST_UNKNOWN)
    # A name that cannot be a tag names no manifest: 404, as the OCI suite expects of a pull
    # (only a PUT under such a name is TAG_INVALID).
    digest = storage.resolve(str(ctx.repo), str(ctx.image), reference) if TAG.fullmatch(reference) else None
    if digest is None:
        raise RegistryError(Code.MANIFEST_UNKNOWN, detail={"name": ctx.client_name, "tag": reference})
    return reference, digest


def _accepts(request: web.Request, media_type: str) -> bool:
    offered = [
        part.split(";")[0].strip() for value in request.headers.getall("Accept", []) for part in value.split(",")
    ]
    offered = [o for o in offered if o]
    return not offered or media_type in offered or "*/*" in offered or media_type in SCHEMA1


def _find(request: web.Request) -> Manifest:
    ctx = context(request)
    _, digest = _reference(request)
    found = state(request).storage.manifest(str(ctx.repo), str(ctx.image), digest)
    if found is None:
        raise RegistryError(Code.MANIFEST_UNKNOWN, detail={"name": ctx.client_name, "digest": digest})
    if found.media_type in LIST_TYPES and not _accepts(request, found.media_type):
        raise RegistryError(Code.MANIFEST_UNKNOWN, f"{found.media_type} found, but the Accept header does not allow it")
    return found


def _headers(m: Manifest) -> dict[str, str]:
    return {
        "Docker-Content-Digest": m.digest,
        "Content-Type": m.media_type,
        "Content-Length": str(m.size),
        "ETag": f'"{m.digest}"',
        "X-Artifactory-Docker-Registry": m.repo,
    }


async def head(request: web.Request) -> web.StreamResponse:
    m = _find(request)
    return web.Response(status=200, headers=_headers(m))


async def get(request: web.Request) -> web.StreamResponse:
    m = _find(request)
    body = state(request).storage.read_blob(m.digest, m.size)
    if body is None:
        raise RegistryError(Code.MANIFEST_UNKNOWN, detail={"digest": m.digest})
    headers = _headers(m)
    del headers["Content-Length"]
    return web.Response(status=200, body=body, headers=headers)


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise RegistryError(Code.MANIFEST_TOO_LARGE, f"manifest of {request.content_length} bytes exceeds {limit}")
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise RegistryError(Code.MANIFEST_TOO_LARGE, f"manifest exceeds {limit} bytes")
    return bytes(body)


def _check_references(request: web.Request, parsed: ParsedManifest) -> None:
    """Every blob and list member the manifest names is in the repository, of the size its descriptor gives."""
    ctx, st = context(request), state(request)
    if not st.policy.verify_manifest_references:
        return
    repo, image = str(ctx.repo), str(ctx.image)
    for ref in parsed.refs:
        if ref.kind == "manifest":
            member = st.storage.manifest(repo, image, ref.child)
            if member is None:
                raise RegistryError(
                    Code.MANIFEST_BLOB_UNKNOWN,
                    f"manifest {ref.child} is not in this repository",
                    detail={"digest": ref.child},
                )
            if ref.size != member.size and st.policy.verify_member_sizes:
                # A client verifies what it fetches against the descriptor: such a list could never be pulled.
                raise RegistryError(
                    Code.MANIFEST_INVALID,
                    f"list entry {ref.child} says {ref.size} bytes, the manifest has {member.size}",
                    detail={"digest": ref.child, "size": ref.size, "stored": member.size},
                )
        elif ref.kind != "foreign":
            size = st.storage.blob_size(repo, ref.child)
            if size is None:
                raise RegistryError(
                    Code.MANIFEST_BLOB_UNKNOWN,
                    f"blob {ref.child} is unknown to the registry",
                    detail={"digest": ref.child},
                )
            if ref.size >= 0 and ref.size != size:
                raise RegistryError(
                    Code.MANIFEST_INVALID, f"descriptor of {ref.child} says {ref.size} bytes, the blob has {size}"
                )


def _properties(request: web.Request, parsed: ParsedManifest, digest: str, reference: str) -> dict[str, list[str]]:
    """Artifactory's properties on the manifest item, LABELs included."""
    ctx, st = context(request), state(request)
    props = {
        "docker.manifest": [reference],
        "docker.manifest.digest": [digest],
        "docker.manifest.type": [parsed.media_type],
        "docker.repoName": [str(ctx.image)],
        "sha256": [digest.split(":", 1)[1]],
        "artifactory.content-type": [parsed.media_type],
    }
    if parsed.config_digest and st.policy.label_properties:
        for key, value in labels_of(st.storage.read_blob(parsed.config_digest, CONFIG_LIMIT)).items():
            props[f"docker.label.{key}"] = [value]
    return props


async def put(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    reference = request.match_info["reference"]
    tag = None if is_digest(reference) else check_tag(reference)
    if tag is None:
        check_digest(reference)
    limit = st.config.max_manifest_bytes
    body = await _read_body(request, min(limit, st.policy.max_manifest_bytes or limit))
    parsed = parse_manifest(body, request.headers.get("Content-Type"))
    for intake in st.policy.manifest_intake:
        body = intake(body, parsed)
    # A remote repository has none of a local one's settings (it only stores pushes under a fault).
    repo_config = st.config.repositories.get(str(ctx.repo), LocalRepo(str(ctx.repo)))
    if parsed.media_type in SCHEMA1 and repo_config.block_schema1:
        raise RegistryError(
            Code.MANIFEST_INVALID, f"Docker manifest schema1 is blocked in repository {ctx.repo} (blockPushingSchema1)"
        )
    digest = sha256_digest(body)
    if tag is None and reference != digest:
        raise RegistryError(
            Code.DIGEST_INVALID, f"manifest digest {digest} does not match {reference}", detail={"digest": reference}
        )
    _check_references(request, parsed)
    limits = Limits.of(
        repo_config.max_unique_tags, repo_config.tag_retention, st.config.complete_manifest_override, st.policy
    )
    properties = _properties(request, parsed, digest, tag or digest)
    await st.storage.push_manifest(str(ctx.repo), str(ctx.image), tag, body, parsed, properties, limits)
    headers = {"Location": ctx.url(f"manifests/{digest}"), "Docker-Content-Digest": digest, "Content-Length": "0"}
    if parsed.subject:
        headers["OCI-Subject"] = parsed.subject
    return web.Response(status=201, headers=headers)


async def delete(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    repo, image, storage = str(ctx.repo), str(ctx.image), st.storage
    reference = request.match_info["reference"]
    if is_digest(reference):
        check_lookup(reference, Code.MANIFEST_UNKNOWN)
        if storage.manifest(repo, image, reference) is None:
            raise RegistryError(Code.MANIFEST_UNKNOWN, detail={"digest": reference})
        await storage.delete_manifest(repo, image, reference, cascade=False)
        return web.Response(status=202, headers={"Content-Length": "0"})
    untagged = storage.untag(repo, image, check_tag(reference))
    if untagged is None:
        raise RegistryError(Code.MANIFEST_UNKNOWN, detail={"tag": reference})
    return web.Response(status=202, headers={"Content-Length": "0"})

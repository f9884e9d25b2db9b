"""``/v2/<name>/blobs/<digest>``: HEAD and GET (sendfile, Range), DELETE (405, as Artifactory)."""

from __future__ import annotations

from aiohttp import web

from ..errors import Code, RegistryError
from ..faults import NO_RANGE, WRONG_CONTENT_DIGEST
from ..validation import check_digest
from .base import context, state

OCTET = "application/octet-stream"
# A valid digest of nothing anyone pushed: what WRONG_CONTENT_DIGEST answers with.
BOGUS_DIGEST = "sha256:" + "0" * 64


def _locate(request: web.Request) -> tuple[str, int]:
    ctx, st = context(request), state(request)
    digest = check_digest(request.match_info["digest"])
    size = st.storage.blob_size(str(ctx.repo), digest)
    if size is None:
        raise RegistryError(Code.BLOB_UNKNOWN, detail={"digest": digest})
    return digest, size


def _headers(request: web.Request, digest: str) -> dict[str, str]:
    shown = BOGUS_DIGEST if WRONG_CONTENT_DIGEST in state(request).faults else digest
    return {
        "Docker-Content-Digest": shown,
        "Accept-Ranges": "bytes",
        "Cache-Control": "max-age=31536000",
        "X-Artifactory-Filename": digest.replace(":", "__"),
    }


async def head(request: web.Request) -> web.StreamResponse:
    digest, size = _locate(request)
    headers = _headers(request, digest)
    headers["Content-Length"] = str(size)
    return web.Response(status=200, headers=headers, content_type=OCTET)


async def get(request: web.Request) -> web.StreamResponse:
    digest, _ = _locate(request)
    headers = {**_headers(request, digest), "Content-Type": OCTET}
    # FileResponse streams with sendfile and answers Range with 206 / 416 itself.
    response = web.FileResponse(state(request).storage.blobs.path(digest), headers=headers)
    if NO_RANGE in state(request).faults and "Range" in request.headers:
        # Prepared against a copy of the request without Range, it answers 200 whole.
        await response.prepare(request.clone(headers={k: v for k, v in request.headers.items() if k != "Range"}))
    return response


async def delete(request: web.Request) -> web.StreamResponse:
    _locate(request)
    raise RegistryError(
        Code.UNSUPPORTED,
        "blob deletion is not supported; delete the tag and orphan layers are cleaned up",
        headers={"Allow": "HEAD, GET, OPTIONS"},
    )

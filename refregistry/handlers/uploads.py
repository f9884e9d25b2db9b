"""``/v2/<name>/blobs/uploads/``: monolithic, chunked and streamed uploads, status, cancel.

Every body streams straight to the upload's spool file under a running sha256; the blob
appears under its digest only after the digest the client names has been checked.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from aiohttp import web

from ..errors import Code, RegistryError
from ..validation import check_digest
from .base import context, state

# Offsets are ASCII digits that fit an int64: \d would take "٣", and int() refuses 5,000 digits.
CONTENT_RANGE = re.compile(r"^(?:bytes[ =])?([0-9]{1,19})-([0-9]{1,19})(?:/(?:[0-9]{1,19}|\*))?$")
_locks: dict[str, asyncio.Lock] = {}


def _body(request: web.Request) -> AsyncIterator[bytes]:
    return request.content.iter_any()


def _range(size: int) -> str:
    return f"0-{max(size - 1, 0)}"


def _session_headers(request: web.Request, upload_id: str, size: int) -> dict[str, str]:
    return {
        "Location": context(request).url(f"blobs/uploads/{upload_id}"),
        "Range": _range(size),
        "Docker-Upload-UUID": upload_id,
        "Content-Length": "0",
    }


def _session(request: web.Request) -> tuple[str, int]:
    ctx, st = context(request), state(request)
    upload_id = request.match_info["uuid"]
    size = st.storage.open_upload(str(ctx.repo), str(ctx.image), upload_id)
    if size is None:
        raise RegistryError(Code.BLOB_UPLOAD_UNKNOWN, detail={"uuid": upload_id[:64]})
    return upload_id, size


async def _append(request: web.Request, upload_id: str, offset: int) -> None:
    """Append the request body, honouring ``Content-Range`` when the client sends one."""
    st = state(request)
    header = request.headers.get("Content-Range")
    limit = None
    if header is not None:
        match = CONTENT_RANGE.match(header.strip())
        if not match:
            raise RegistryError(
                Code.RANGE_INVALID, f"malformed Content-Range {header[:80]!r}", headers={"Range": _range(offset)}
            )
        start, end = int(match[1]), int(match[2])
        in_order = start == offset or not st.policy.chunks_in_order
        if not in_order or end < start:
            raise RegistryError(
                Code.RANGE_INVALID,
                f"chunk {start}-{end} does not continue the upload at {offset}",
                headers={"Range": _range(offset), "Location": context(request).url(f"blobs/uploads/{upload_id}")},
            )
        limit = end - start + 1
        if request.content_length is not None and request.content_length != limit:
            raise RegistryError(
                Code.RANGE_INVALID, "Content-Length does not match Content-Range", headers={"Range": _range(offset)}
            )
    try:
        await st.storage.append_upload(upload_id, _body(request), limit)
    except ValueError as exc:
        raise RegistryError(Code.SIZE_INVALID, str(exc)) from None


def _finish(request: web.Request, upload_id: str, digest: str) -> web.Response:
    """Check the digest and commit the upload, or drop it whole."""
    st, ctx = state(request), context(request)
    actual = st.storage.upload_digest(upload_id)
    if actual != digest and st.policy.verify_blob_digest:
        st.storage.cancel_upload(upload_id)
        raise RegistryError(
            Code.DIGEST_INVALID,
            f"digest {digest} does not match the uploaded content ({actual})",
            detail={"digest": digest},
        )
    if not st.storage.commit_upload(upload_id, digest):
        raise RegistryError(Code.BLOB_UPLOAD_UNKNOWN, "the upload went while it arrived", detail={"uuid": upload_id})
    headers = {"Location": ctx.url(f"blobs/{digest}"), "Docker-Content-Digest": digest, "Content-Length": "0"}
    return web.Response(status=201, headers=headers)


def _open(request: web.Request, *, session: bool = True) -> str:
    ctx, st = context(request), state(request)
    return st.storage.start_upload(str(ctx.repo), str(ctx.image), session=session)


async def start(request: web.Request) -> web.StreamResponse:
    digest = request.query.get("digest")
    if digest is not None:
        check_digest(digest)
    if digest is None:
        # A mount request lands here too: Artifactory opens an upload (202) instead of mounting.
        upload_id = _open(request)
        return web.Response(status=202, headers=_session_headers(request, upload_id, 0))
    upload_id = _open(request, session=False)
    try:
        await _append(request, upload_id, 0)
        return _finish(request, upload_id, digest)
    except BaseException:
        # No client can come back to a monolithic upload: whatever cut it short (a wrong length, a
        # client gone mid-body, the handler cancelled), its spool goes now.
        state(request).storage.cancel_upload(upload_id)
        raise


async def patch(request: web.Request) -> web.StreamResponse:
    upload_id, _ = _session(request)
    async with _locks.setdefault(upload_id, asyncio.Lock()):
        upload_id, size = _session(request)
        await _append(request, upload_id, size)
        size = state(request).storage.upload_size(upload_id) or 0
    return web.Response(status=202, headers=_session_headers(request, upload_id, size))


async def put(request: web.Request) -> web.StreamResponse:
    upload_id, _ = _session(request)
    digest = request.query.get("digest")
    if digest is None:
        raise RegistryError(Code.DIGEST_INVALID, "the digest query parameter is required to close an upload")
    check_digest(digest)
    async with _locks.setdefault(upload_id, asyncio.Lock()):
        try:
            upload_id, size = _session(request)
            await _append(request, upload_id, size)
            return _finish(request, upload_id, digest)
        finally:
            _locks.pop(upload_id, None)


async def status(request: web.Request) -> web.StreamResponse:
    upload_id, size = _session(request)
    return web.Response(status=204, headers=_session_headers(request, upload_id, size))


async def cancel(request: web.Request) -> web.StreamResponse:
    upload_id, _ = _session(request)
    st = state(request)
    st.storage.cancel_upload(upload_id)
    _locks.pop(upload_id, None)
    return web.Response(status=204, headers={"Content-Length": "0"})

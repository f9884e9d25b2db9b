"""Remote repositories: a pull-through cache of an upstream registry, as Artifactory's are.

A manifest asked for by tag comes from upstream when the cached one is older than the
repository's ``retrievalCachePeriodSecs`` (Metadata Retrieval Cache Period) or absent; asked for
by digest it comes from upstream only when absent (content-addressed: never stale).  A blob is
fetched on its first read, streamed to disk and checked against its digest before anyone is
served from it; a short or corrupt download is discarded.  When upstream cannot be reached, or
errs, what is cached is served and what is not gets a 404 naming the upstream and the reason.
A remote repository is read-only: it is a cache.

Upstream authentication follows the registry token flow: on a Bearer challenge a token is asked
of the realm (with the repository's ``username``/``password`` when set) and the request retried.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from .config import RemoteRepo
from .context import RequestContext
from .errors import Code, RegistryError
from .mediatypes import MANIFEST_TYPES
from .state import STATE, State
from .storage.blobs import sha256_digest
from .validation import is_digest, parse_manifest

SESSION = web.AppKey("upstream-session", aiohttp.ClientSession)
FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
WRITES = ("PUT", "POST", "PATCH")


class Unavailable(Exception):
    """Upstream could not give what was asked; the message says why, for the client's 404."""


def setup(app: web.Application) -> None:
    """One HTTP client session for every upstream, opened and closed with the app."""

    async def session(app: web.Application) -> AsyncIterator[None]:
        # trust_env: an upstream behind a corporate proxy is reached the way the host reaches it.
        async with aiohttp.ClientSession(trust_env=True, auto_decompress=False) as client:
            app[SESSION] = client
            yield

    app.cleanup_ctx.append(session)


async def serve_through(request: web.Request, ctx: RequestContext, route_name: str) -> None:
    """Before a handler reads ``ctx.repo``'s storage: bring what is asked for into the cache."""
    st: State = request.app[STATE]
    remote = st.config.remotes[str(ctx.repo)]
    if request.method in WRITES and st.policy.remote_refuses_pushes:
        cache = f"a remote repository (a cache of {remote.url})"
        raise RegistryError(Code.DENIED, f"repository '{remote.key}' is {cache}: it takes no pushes")
    if request.method not in ("GET", "HEAD") or ctx.image is None:
        return
    upstream = _Upstream(request.app[SESSION], remote)
    if route_name == "manifest":
        await _manifest(st, remote, upstream, str(ctx.image), request.match_info["reference"])
    elif route_name == "blob":
        await _blob(st, remote, upstream, str(ctx.image), request.match_info["digest"])


async def _manifest(st: State, remote: RemoteRepo, upstream: _Upstream, image: str, reference: str) -> None:
    storage = st.storage
    if is_digest(reference):
        cached = storage.manifest(remote.key, image, reference) is not None
        fresh = cached
    else:
        updated = storage.tag_updated(remote.key, image, reference)
        cached = updated is not None
        fresh = cached and (
            not st.policy.remote_revalidates or time.time() - float(updated or 0) < remote.retrieval_cache_secs
        )
    if fresh or remote.offline:
        return
    try:
        body, media_type = await upstream.manifest(image, reference, st.config.max_manifest_bytes)
    except Unavailable as exc:
        if cached and st.policy.remote_serves_stale_cache:
            return  # stale beats nothing: Artifactory serves the cache while upstream is down
        if not st.policy.upstream_down_not_found:
            raise web.HTTPBadGateway(text=f"upstream error: {exc}") from None  # a proxy's answer, not the API's
        detail = {"name": image, "reference": reference, "upstream": remote.url}
        message = f"not in the cache of {remote.key}, and {exc}"
        raise RegistryError(Code.MANIFEST_UNKNOWN, message, detail=detail) from None
    _store_manifest(st, remote, image, None if is_digest(reference) else reference, body, media_type)


def _store_manifest(st: State, remote: RemoteRepo, image: str, tag: str | None, body: bytes, media_type: str) -> None:
    # Re-checked and unchanged, a tag's period starts again; nothing else changes.
    if tag is not None and st.storage.refresh_tag(remote.key, image, tag, sha256_digest(body)):
        return
    st.storage.cache_manifest(remote.key, image, tag, body, parse_manifest(body, media_type))


async def _blob(st: State, remote: RemoteRepo, upstream: _Upstream, image: str, digest: str) -> None:
    storage = st.storage
    # A cached manifest links its layers before they are fetched: the file is what counts.
    if storage.blob_size(remote.key, digest) is not None:
        return
    if remote.offline:
        return
    upload = storage.start_upload(remote.key, image, session=False)  # nobody resumes a fetch
    try:
        async with upstream.get(f"/v2/{image}/blobs/{digest}") as answer:
            await storage.append_upload(upload, answer.content.iter_chunked(1 << 20))
        got = storage.upload_digest(upload)
        if got != digest:
            raise Unavailable(f"upstream {remote.url} sent content whose digest is {got}")
        storage.commit_upload(upload, digest)
    except (Unavailable, *FAILURES) as exc:
        storage.cancel_upload(upload)
        reason = exc if isinstance(exc, Unavailable) else _reason(remote, exc)
        if storage.blob_size(remote.key, digest) is not None:
            return
        raise RegistryError(Code.BLOB_UNKNOWN, f"not in the cache of {remote.key}, and {reason}") from None


def _reason(remote: RemoteRepo, exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"upstream {remote.url} cannot be reached: {text[:200]}"


CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class _Upstream:
    """Requests to one remote repository's upstream registry, through its token flow."""

    def __init__(self, session: aiohttp.ClientSession, remote: RemoteRepo) -> None:
        self.session, self.remote = session, remote
        self.basic = aiohttp.BasicAuth(remote.username, remote.password or "") if remote.username else None
        seconds = remote.socket_timeout_ms / 1000
        self.timeout = aiohttp.ClientTimeout(total=None, connect=seconds, sock_read=seconds)

    async def manifest(self, image: str, reference: str, limit: int) -> tuple[bytes, str]:
        headers = {"Accept": ", ".join(MANIFEST_TYPES)}
        try:
            async with self.get(f"/v2/{image}/manifests/{reference}", headers) as answer:
                if (answer.content_length or 0) > limit:
                    raise Unavailable(f"upstream {self.remote.url} sent a manifest over {limit} bytes")
                body = await answer.content.read(limit + 1)
                media_type = answer.headers.get("Content-Type", "").split(";")[0].strip()
        except FAILURES as exc:
            raise Unavailable(_reason(self.remote, exc)) from None
        if len(body) > limit:
            raise Unavailable(f"upstream {self.remote.url} sent a manifest over {limit} bytes")
        if is_digest(reference) and sha256_digest(body) != reference:
            raise Unavailable(f"upstream {self.remote.url} sent a manifest whose digest is not {reference}")
        return body, media_type

    @asynccontextmanager
    async def get(self, path: str, headers: dict[str, str] | None = None) -> AsyncIterator[aiohttp.ClientResponse]:
        """GET ``path`` of upstream; Unavailable unless it answers 200."""
        url = self.remote.url + path
        answer = await self.session.get(url, headers=headers, auth=self.basic, timeout=self.timeout)
        try:
            challenge = answer.headers.get("WWW-Authenticate", "")
            if answer.status == 401 and challenge.lower().startswith("bearer "):
                answer.release()
                token = await self._token(challenge)
                bearer = {**(headers or {}), "Authorization": f"Bearer {token}"}
                answer = await self.session.get(url, headers=bearer, timeout=self.timeout)
            if answer.status != 200:
                raise Unavailable(f"upstream {self.remote.url} answered {answer.status} to GET {path}")
            yield answer
        finally:
            answer.release()

    async def _token(self, challenge: str) -> str:
        params = dict(CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm", "")
        if not realm.startswith(("http://", "https://")):
            raise Unavailable(f"upstream {self.remote.url} sent a Bearer challenge without a realm")
        async with self.session.get(realm, params=params, auth=self.basic, timeout=self.timeout) as answer:
            if answer.status != 200:
                raise Unavailable(f"upstream {self.remote.url} refused a token ({answer.status} from {realm})")
            doc = await answer.json(content_type=None)
        token = doc.get("token") or doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(token, str):
            raise Unavailable(f"upstream {self.remote.url} token answer has no token")
        return token

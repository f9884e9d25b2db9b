"""``tags/list`` and ``_catalog``, paginated with ``n``/``last`` and a ``Link`` header."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from ..errors import Code, RegistryError
from .base import context, json_answer, page_size, paginate, state


def _page(request: web.Request, items: list[str], url: str) -> tuple[list[str], dict[str, str]]:
    n = page_size(request)
    page, more = paginate(items, n, request.query.get("last"))
    headers = {}
    if more and page:
        headers["Link"] = f'<{url}?{urlencode({"n": n, "last": page[-1]})}>; rel="next"'
    return page, headers


async def tags(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    repos = ctx.members or (str(ctx.repo),)  # a virtual repository lists what all members hold
    storage = st.storage
    if not any(storage.has_image(repo, str(ctx.image)) for repo in repos):
        raise RegistryError(Code.NAME_UNKNOWN, detail={"name": ctx.client_name})
    by_push = not st.policy.sort_tags
    names = list(dict.fromkeys(t for repo in repos for t, _ in storage.tags(repo, str(ctx.image), by_push=by_push)))
    if not by_push:
        names.sort()
    page, headers = _page(request, names, ctx.url("tags/list"))
    return json_answer({"name": ctx.client_name, "tags": page}, headers=headers)


async def catalog(request: web.Request) -> web.StreamResponse:
    """Images of one repository (``/artifactory/api/docker/{repo}/v2/_catalog``), or of every
    repository the caller may read, as ``repo/image`` (``/v2/_catalog``)."""
    ctx, st = context(request), state(request)
    if ctx.repo is not None:
        repos = ctx.members or (ctx.repo,)
        names = sorted({image for repo in repos for _, image in st.storage.images(repo)})
    else:
        names = [f"{repo}/{image}" for repo, image in st.storage.images() if st.config.allows(ctx.user, repo, "read")]
    page, headers = _page(request, names, ctx.root_url("_catalog"))
    return json_answer({"repositories": page}, headers=headers)

"""``tags/list`` and ``_catalog``, paginated with ``n``/``last`` and a ``Link`` header.

A page is read from the index, keyset on the sorted name (storage/pages.py): each source gives at
most ``n + 1`` names after ``last`` (the one beyond the page says whether another follows), so a
page costs the same whatever the number of tags or images.  Several sources (a virtual
repository's members, the repositories a caller may read) are merged in name order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import urlencode

from aiohttp import web

from ..config import Config
from ..errors import Code, RegistryError
from .base import context, json_answer, page_size, paginate, state

Source = Callable[[str, int | None], list[str]]  # names after a key, in order, at most n (None: all)


def _answer(request: web.Request, key: str, doc: dict[str, object], names: list[str], url: str) -> web.Response:
    """``names``: up to ``n + 1`` names after ``last``; the page is the first ``n``, a Link if more follow."""
    n = page_size(request)
    page, more = paginate(names, n, None)
    headers = {}
    if more and page:
        headers["Link"] = f'<{url}?{urlencode({"n": n, "last": page[-1]})}>; rel="next"'
    return json_answer({**doc, key: page}, headers=headers)


def _window(request: web.Request) -> tuple[str, int | None]:
    """(``last``, how many names a page needs read: ``n + 1``, None for all)."""
    n = page_size(request)
    return request.query.get("last") or "", None if n is None else n + 1


def _merged(sources: list[Source], last: str, limit: int | None) -> list[str]:
    """The first ``limit`` names after ``last`` of several sorted sources, each name once."""
    names = sorted({name for source in sources for name in source(last, limit)})
    return names if limit is None else names[:limit]


async def tags(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    repos = ctx.members or (str(ctx.repo),)  # a virtual repository lists what all members hold
    storage, image = st.storage, str(ctx.image)
    if not any(storage.has_image(repo, image) for repo in repos):
        raise RegistryError(Code.NAME_UNKNOWN, detail={"name": ctx.client_name})
    last, limit = _window(request)
    if st.policy.sort_tags:
        names = _merged([partial(storage.tag_page, repo, image) for repo in repos], last, limit)
    else:  # the unsorted-tags fault: push order, filtered as if it were sorted
        pushed = dict.fromkeys(t for repo in repos for t, _ in storage.tags(repo, image, by_push=True))
        names = paginate(list(pushed), limit, last)[0]
    return _answer(request, "tags", {"name": ctx.client_name}, names, ctx.url("tags/list"))


async def catalog(request: web.Request) -> web.StreamResponse:
    """Images of one repository (``/artifactory/api/docker/{repo}/v2/_catalog``), or of every
    repository the caller may read, as ``repo/image`` (``/v2/_catalog``)."""
    ctx, st = context(request), state(request)
    last, limit = _window(request)
    if ctx.repo is not None:
        repos = ctx.members or (ctx.repo,)
        names = _merged([partial(st.storage.image_page, repo) for repo in repos], last, limit)
    else:
        readable = [repo for repo in _holding(st.config) if st.config.allows(ctx.user, repo, "read")]
        names = _prefixed(st.storage.image_page, readable, last, limit)
    return _answer(request, "repositories", {}, names, ctx.root_url("_catalog"))


def _holding(config: Config) -> list[str]:
    """The repositories that hold images: local ones and remote ones' caches (virtual ones hold none)."""
    return [*config.repositories, *config.remotes]


def _prefixed(
    images: Callable[[str, str, int | None], list[str]], repos: list[str], last: str, limit: int | None
) -> list[str]:
    """The first ``limit`` names ``repo/image`` after ``last``, over ``repos``.

    Repository keys hold no ``/``, so ordering them by ``key + "/"`` orders every ``repo/image`` of
    one before every one of the next: each repository is read in turn, from where ``last`` falls.
    """
    names: list[str] = []
    for repo in sorted(repos, key=lambda key: key + "/"):
        prefix = repo + "/"
        if last.startswith(prefix):
            after = last[len(prefix) :]
        elif prefix > last:
            after = ""
        else:
            continue  # every name of this repository sorts before last
        names += [prefix + image for image in images(repo, after, None if limit is None else limit - len(names))]
        if limit is not None and len(names) >= limit:
            break
    return names

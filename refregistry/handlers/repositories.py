"""``/artifactory/api/repositories``: list, show, create (PUT), update (POST) and delete repositories.

Reading needs a signed-in user; changing needs an admin, as in Artifactory.  The configuration is
replaced whole on every change (requests in flight keep the one they started with) and saved for
the next start.  Deleting a repository removes its content, trash included.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import repoconfig
from ..config import Config
from ..errors import Code, RegistryError
from ..validation import JsonInvalid, load_json
from .base import context, is_admin, json_answer, state

MAX_BODY = 64 << 10


def _admin(request: web.Request) -> None:
    if not is_admin(request):
        raise RegistryError(Code.DENIED, "changing repositories needs an admin")


async def _body(request: web.Request) -> Any:
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise RegistryError(Code.BAD_REQUEST, "repository configuration body too large")
    try:
        return load_json(raw)
    except JsonInvalid as exc:
        raise RegistryError(Code.BAD_REQUEST, f"the {exc}") from None


def _apply(request: web.Request, make: Any) -> None:
    st = state(request)
    try:
        config: Config = make(st.config)
    except repoconfig.ChangeError as exc:
        raise RegistryError(Code.NOT_FOUND if exc.status == 404 else Code.BAD_REQUEST, str(exc)) from None
    repoconfig.save(config, st.storage.root)
    st.config = st.auth.config = config


async def listing(request: web.Request) -> web.StreamResponse:
    query, config = request.query, state(request).config
    return json_answer(repoconfig.listing(config, context(request).base, query.get("type"), query.get("packageType")))


async def show(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    found = repoconfig.describe(state(request).config, key)
    if found is None:
        raise RegistryError(Code.NOT_FOUND, f"Repository '{key}' does not exist")
    return json_answer(found)


async def create(request: web.Request) -> web.StreamResponse:
    _admin(request)
    key, body = request.match_info["key"], await _body(request)
    _apply(request, lambda config: repoconfig.change(config, key, body, create=True))
    return web.Response(text=f"Successfully created repository '{key}'")


async def update(request: web.Request) -> web.StreamResponse:
    _admin(request)
    key, body = request.match_info["key"], await _body(request)
    _apply(request, lambda config: repoconfig.change(config, key, body, create=False))
    return web.Response(text=f"Repository '{key}' update successful.")


async def delete(request: web.Request) -> web.StreamResponse:
    _admin(request)
    key = request.match_info["key"]
    _apply(request, lambda config: repoconfig.delete(config, key))
    await state(request).storage.purge(key)
    return web.Response(text=f"Repository '{key}' and all its content have been removed successfully.")

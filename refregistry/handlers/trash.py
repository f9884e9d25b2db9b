"""The trash can over REST: restore an item Artifactory-style, or empty the trash can.

``POST /artifactory/api/trash/restore/{repo}/{image}/{tag or sha256:...}`` puts a removed tag
(or digest folder) back with its list members; ``POST /artifactory/api/trash/empty`` releases
everything the trash can held.  Restoring elsewhere (``?to=``) is not supported.
"""

from __future__ import annotations

from aiohttp import web

from ..errors import Code, RegistryError
from .base import context, is_admin, state


async def restore(request: web.Request) -> web.StreamResponse:
    ctx, st = context(request), state(request)
    if "to" in request.query:
        raise RegistryError(Code.BAD_REQUEST, "restoring to another location is not supported; omit 'to'")
    path = request.match_info["path"].strip("/")
    image, _, folder = path.rpartition("/")
    if not image or not st.storage.restore(str(ctx.repo), image, folder):
        raise RegistryError(Code.NOT_FOUND, f"Could not find trash item '{ctx.repo}/{path}'")
    return web.Response(text="Successfully restored trash items", content_type="text/plain")


async def empty(request: web.Request) -> web.StreamResponse:
    st = state(request)
    if not is_admin(request):
        raise RegistryError(Code.DENIED, "emptying the trash can needs an admin")
    await st.storage.empty_trash()
    return web.Response(status=204)

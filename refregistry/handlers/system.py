"""Ping, version, the Docker token endpoint and the config.json ``auth`` entry."""

from __future__ import annotations

import base64

from aiohttp import web

from ..auth import AuthError, Identity, parse_scopes
from ..context import Form
from ..errors import Code, RegistryError
from .base import context, is_admin, json_answer, state


async def v2_ping(request: web.Request) -> web.StreamResponse:
    return json_answer({})  # the API version header is stamped on every registry answer (app.py)


async def token(request: web.Request) -> web.StreamResponse:
    """Artifactory's ``.../v2/token``: Basic credentials (or anonymous) in, a scoped JWT out."""
    ctx, st = context(request), state(request)
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            identity = st.auth.basic(value.strip())
        except AuthError as exc:
            raise RegistryError(Code.UNAUTHORIZED, str(exc)) from None
    elif st.config.anonymous_access:
        identity = Identity(None, "anonymous")
    else:
        raise RegistryError(
            Code.UNAUTHORIZED, "Bad Credential", headers={"WWW-Authenticate": 'Basic realm="Artifactory Realm"'}
        )
    repo_prefix = ctx.repo if ctx.form is Form.API else None
    scopes = parse_scopes(request.query.getall("scope", []), repo_prefix)
    return json_answer(st.auth.issue(identity, scopes))


async def unsupported_docker_request(request: web.Request) -> web.StreamResponse:
    """``/artifactory/api/docker/v2/...``: the API version where the repository key belongs."""
    raise RegistryError(Code.BAD_REQUEST, f"Unsupported docker repository request for '{request.match_info['api']}'")


async def docker_auth(request: web.Request) -> web.StreamResponse:
    """``GET /artifactory/api/docker/{repo}/{v1|v2}/auth``: the entry for ~/.docker/config.json."""
    ctx = context(request)
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or ctx.user is None:
        raise RegistryError(
            Code.UNAUTHORIZED,
            "this endpoint needs Basic credentials",
            headers={"WWW-Authenticate": 'Basic realm="Artifactory Realm"'},
        )
    user, _, password = base64.b64decode(value.strip()).decode().partition(":")
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    return json_answer({ctx.base: {"auth": auth, "email": f"{user}@refregistry.local"}})


async def system_ping(request: web.Request) -> web.StreamResponse:
    return web.Response(text="OK", content_type="text/plain")


# The part of Artifactory's global configuration descriptor (artifactory.config.xml) refregistry
# has: the trash can, whose setting clients read to know whether deleted tags can come back.
CONFIGURATION = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<config xmlns="http://artifactory.jfrog.org/xsd/3.1.24">
    <trashcanConfig>
        <enabled>{enabled}</enabled>
        <allowPermDeletes>false</allowPermDeletes>
        <retentionPeriodDays>14</retentionPeriodDays>
    </trashcanConfig>
</config>
"""


async def system_configuration(request: web.Request) -> web.StreamResponse:
    """``GET /api/system/configuration``: the global configuration descriptor, to an admin only."""
    st = state(request)
    if not is_admin(request):
        raise RegistryError(Code.DENIED, "the system configuration needs an admin")
    # The configured setting, as Artifactory reports it: a trash can that does not keep what it
    # should (the trash-not-kept fault) still reads as enabled here.
    text = CONFIGURATION.format(enabled=str(st.config.trashcan).lower())
    return web.Response(text=text, content_type="application/xml")


async def system_version(request: web.Request) -> web.StreamResponse:
    st = state(request)
    doc = {
        "version": st.artifactory_version,
        "revision": f"refregistry-{st.version}",
        "addons": ["docker"],
        "license": "refregistry",
        "refregistry": st.version,
    }
    return json_answer(doc, content_type="application/vnd.org.jfrog.artifactory.system.Version+json")

"""The aiohttp application: routes from ``routes.py``, three middlewares, the server state.

``error_middleware`` renders every ``RegistryError`` (and unknown routes) in the shape of the
route family, so no handler writes an error body itself.  ``guard_middleware`` refuses
dangerous paths, builds the request context, authenticates and checks the permission the
route declares, before any handler runs.  ``fault_middleware`` then applies the active faults'
rewrites of the route (refregistry/faults).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import ClientPayloadError, web
from aiohttp.http_exceptions import HttpProcessingError

from . import __version__, housekeeping, remote, repoconfig, tokens, versions, virtual
from .auth import Authenticator, AuthError, Identity, load_secret
from .config import REPO_KEY, Config
from .context import RequestContext, external_base
from .errors import Code, RegistryError, Shape
from .faults import Faults
from .handlers.control import apply_faults
from .routes import API_ROOT, Route, all_routes
from .state import STATE, State
from .storage import Storage
from .tokens import TokenBook
from .validation import check_name

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REGISTRY_PREFIXES = ("/v2", "/artifactory/api/docker/")
API_VERSION_HEADER = {"Docker-Distribution-Api-Version": "registry/2.0"}
SCOPE_ACTIONS = {"read": "pull", "deploy": "pull,push", "delete": "delete", "login": ""}


def _route_of(request: web.Request) -> Route | None:
    return getattr(request.match_info.handler, "route", None)


def _shape(request: web.Request) -> Shape:
    route = _route_of(request)
    if route is not None:
        return route.shape
    return _unrouted_shape(request)


def _unrouted_shape(request: web.Request) -> Shape:
    """The error shape of a path no route serves: the registry API's under its prefixes."""
    return Shape.OCI if request.path.startswith(REGISTRY_PREFIXES) else Shape.ARTIFACTORY


def _render(request: web.Request, err: RegistryError, shape: Shape | None = None) -> web.Response:
    body = err.body(shape or _shape(request))
    response = web.Response(status=err.status, body=body, headers=err.headers, content_type="application/json")
    if request.body_exists and not request.content.at_eof():
        # Refused before its body was read (e.g. 413): the rest of it must not be taken for the next
        # request, and a client still sending it must not hold the connection (nor shutdown) open.
        response.force_close()
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RegistryError as err:
        return _render(request, err)
    except web.HTTPMethodNotAllowed as exc:
        return _render(
            request, RegistryError(Code.METHOD_NOT_ALLOWED, headers={"Allow": ", ".join(exc.allowed_methods)})
        )
    except web.HTTPNotFound:
        return _unknown_route(request)
    except (HttpProcessingError, ClientPayloadError) as exc:
        return _render(request, RegistryError(Code.BLOB_UPLOAD_INVALID, f"malformed request body: {exc}"))


def _unknown_route(request: web.Request) -> web.Response:
    """What a path no route serves answers (also a route the imitated version does not have yet)."""
    err = RegistryError(Code.ROUTE_UNKNOWN, f"no route for {request.method} {request.path[:200]}")
    return _render(request, err, _unrouted_shape(request))


def _check_path(request: web.Request) -> None:
    """Refuse encoded slashes, dot segments and NUL before any route sees the path."""
    raw = request.raw_path.split("?", 1)[0]
    lowered = raw.lower()
    decoded = urllib.parse.unquote(raw)
    bad = (
        "%2f" in lowered
        or "%5c" in lowered
        or "%00" in lowered
        or "\\" in decoded
        or any(seg in (".", "..") for seg in decoded.split("/"))
    )
    if bad:
        raise RegistryError(Code.NAME_INVALID, "encoded slashes, backslashes and dot segments are not allowed in paths")


def _challenge(st: State, ctx: RequestContext, action: str | None, error: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{ctx.realm()}",service="artifactory"'
    scoped = st.policy.challenge_names_scope and ctx.repo is not None and ctx.image
    if scoped and action and SCOPE_ACTIONS.get(action):
        value += f',scope="repository:{ctx.scope_name}:{SCOPE_ACTIONS[action]}"'
    if error:
        value += f',error="{error}"'
    return {"WWW-Authenticate": value}


def _unauthorized(
    st: State, route: Route, ctx: RequestContext, message: str, error: str | None = None
) -> RegistryError:
    if route.shape is Shape.OCI:
        return RegistryError(Code.UNAUTHORIZED, message, headers=_challenge(st, ctx, route.action, error))
    return RegistryError(Code.UNAUTHORIZED, message, headers={"WWW-Authenticate": 'Basic realm="Artifactory Realm"'})


def _authenticate(st: State, request: web.Request) -> Identity | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        return st.auth.basic(value.strip())
    if scheme.lower() == "bearer":
        if not st.policy.accept_bearer_tokens:
            raise AuthError("token refused")
        return st.auth.bearer(value.strip())
    raise AuthError(f"unsupported authorization scheme {scheme[:20]!r}")


def _authorize(st: State, route: Route, ctx: RequestContext, path: str | None) -> None:
    action, identity, repo = route.action, ctx.identity, ctx.repo
    if action is None or (action == "deploy" and not st.policy.deploy_needs_permission):
        return
    if route.name == "ping" and not st.policy.ping_challenges_anonymous:
        return
    if action == "login" or repo is None:
        if identity is None and not st.config.anonymous_access:
            raise _unauthorized(st, route, ctx, "authentication required")
        return
    allowed = st.config.allows(ctx.user, repo, action)
    if allowed and action == "read" and not st.policy.read_only_users_read:
        allowed = st.config.allows(ctx.user, repo, "deploy")
    if not allowed:
        if ctx.user is None:
            raise _unauthorized(st, route, ctx, "authentication required")
        raise RegistryError(Code.DENIED, f"user '{ctx.user}' may not {action} in repository '{repo}'")
    if identity is None or identity.access is None:
        return
    if ctx.image:
        if not identity.token_allows(ctx.full_name, action):
            raise _unauthorized(st, route, ctx, "the token does not cover this request", "insufficient_scope")
    elif route.shape is Shape.ARTIFACTORY and not _token_reaches(st, identity, route, str(ctx.key), action, path):
        raise RegistryError(Code.DENIED, f"the token grants no {action} on what this request names in '{ctx.key}'")


def _token_reaches(st: State, identity: Identity, route: Route, key: str, action: str, path: str | None) -> bool:
    """A registry token on an Artifactory REST route.  Under the Docker API root (promote,
    multi-arch delete, parent lists) the body names the image: the token needs the action on some
    image of the repository here, and the handler checks the image named (handlers/base.authorize).
    Elsewhere the path names an item, which must lie within an image the token names."""
    if not st.policy.rest_honours_token_scope:
        return True
    if route.path.startswith(API_ROOT):
        return identity.reaches(key, action)
    return identity.covers_path(key, path or "", action)


def _check_repo(st: State, route: Route, ctx: RequestContext) -> None:
    if ctx.repo is None or st.config.has_repo(ctx.repo):
        return
    raise _unknown_repo(route, ctx)


def _unknown_repo(route: Route, ctx: RequestContext) -> RegistryError:
    code = Code.NAME_UNKNOWN if route.shape is not Shape.ARTIFACTORY else Code.NOT_FOUND
    return RegistryError(code, f"repository {ctx.repo!r} does not exist", detail={"repository": ctx.repo})


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    _check_path(request)
    route = _route_of(request)
    if route is None:
        return await handler(request)
    st = request.app[STATE]
    if route.name in st.policy.absent_routes:
        return _unknown_route(request)  # newer than the Artifactory version imitated
    base, proxied = external_base(request, honour_proxy=st.policy.honour_proxy_headers)
    info = request.match_info
    ctx = RequestContext(route.form, base, proxied, st.config.proxy_method, info.get("repo"), info.get("name"))
    request["ctx"] = ctx
    if ctx.image is not None:
        check_name(ctx.image)
    # What cannot be a key names no repository, and must not reach the challenge's realm (a header).
    if ctx.repo is not None and not REPO_KEY.fullmatch(ctx.repo.lower()):
        raise _unknown_repo(route, ctx)
    try:
        ctx.identity = _authenticate(st, request)
    except AuthError as exc:
        if route.action is not None:
            raise _unauthorized(st, route, ctx, str(exc)) from None
    if ctx.identity is not None:
        _check_repo(st, route, ctx)  # a known caller learns the repository is missing, not "denied"
    _authorize(st, route, ctx, info.get("path"))
    _check_repo(st, route, ctx)
    if ctx.repo in st.config.virtuals:
        virtual.resolve(request, ctx, st.config.virtuals[ctx.repo], route.action, st.storage, st.policy)
        if route.action not in (None, "login") and not st.config.allows(ctx.user, str(ctx.repo), route.action):
            raise RegistryError(Code.DENIED, f"user '{ctx.user}' may not {route.action} in repository '{ctx.repo}'")
    if ctx.repo in st.config.remotes:
        await remote.serve_through(request, ctx, route.name)
    return await handler(request)


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = _route_of(request)
    if route is not None:
        handler = request.app[STATE].faults.handler(route.name, request.method, handler)
    return await handler(request)


def _endpoint(route: Route) -> Handler:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        return await route.handler(request)

    endpoint.route = route  # type: ignore[attr-defined]  # the route rides on the handler function for the middlewares
    return endpoint


async def _stamp(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = f"refregistry/{__version__}"
    if request.path.startswith(REGISTRY_PREFIXES) and request.app[STATE].policy.announce_api_version:
        response.headers.update(API_VERSION_HEADER)


def make_app(
    config: Config,
    data_dir: Path,
    faults: Faults | None = None,
    *,
    fault_control: bool = False,
    artifactory_version: str = versions.CURRENT,
) -> web.Application:
    """``fault_control`` mounts handlers/control: an admin may switch faults and reset content.
    ``artifactory_version``: the Artifactory version to behave as (ValueError if refregistry cannot)."""
    initial = config
    base = versions.policy_for(artifactory_version)
    storage = Storage(data_dir, upload_max_age=config.upload_max_age)
    config = repoconfig.restored(config, data_dir)
    auth = Authenticator(config, load_secret(data_dir), book=TokenBook(data_dir / tokens.BOOK))
    app = web.Application(middlewares=[error_middleware, guard_middleware, fault_middleware])
    app[STATE] = State(config, storage, auth, Faults(base=base), __version__, artifactory_version, initial)
    apply_faults(app[STATE], (faults or Faults()).names())
    for route in all_routes(fault_control=fault_control):
        app.router.add_route(route.method, route.path, _endpoint(route))
    app.on_response_prepare.append(_stamp)
    remote.setup(app)
    housekeeping.setup(app)

    async def close(_: web.Application) -> None:
        storage.close()

    app.on_cleanup.append(close)
    return app

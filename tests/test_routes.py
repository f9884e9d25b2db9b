"""The route table, the error table and body shapes, and the URLs a client is sent to."""

from __future__ import annotations

import asyncio
import enum
import inspect
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request

from refregistry.app import make_app
from refregistry.config import ACTIONS, PROXY_METHODS, default_config
from refregistry.context import Form, RequestContext, external_base
from refregistry.errors import Code, RegistryError, Shape
from refregistry.routes import API_ROOT, REGISTRY, REPOPATH_ROOT, Route, all_routes
from refregistry.state import STATE


def test_registry_routes_under_both_roots() -> None:
    """Each registry API route is mounted under the API root and the repository-path root."""
    mounted = {(r.method, r.path): r for r in all_routes()}
    for route in REGISTRY:
        for root, form in ((API_ROOT, Form.API), (REPOPATH_ROOT, Form.REPOPATH)):
            copy = mounted[(route.method, root + route.path)]
            assert (copy.name, copy.handler, copy.action, copy.shape, copy.form) == (
                route.name,
                route.handler,
                route.action,
                route.shape,
                form,
            )


def test_no_two_routes_share_method_and_path() -> None:
    """Method and path identify one route."""
    keys = [(r.method, r.path) for r in all_routes()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("route", all_routes(), ids=lambda r: f"{r.method} {r.path}")
def test_handler_is_coroutine_function(route: Route) -> None:
    """Every handler is an async function, and every action is a known permission."""
    assert inspect.iscoroutinefunction(route.handler)
    assert route.action in (None, "login", *ACTIONS)


@pytest.mark.parametrize(
    ("method", "path", "name", "form"),
    [
        ("GET", "/v2/", "ping", Form.GLOBAL),
        ("GET", "/v2/token", "token", Form.GLOBAL),
        ("GET", "/v2/_catalog", "catalog", Form.GLOBAL),
        ("HEAD", "/v2/docker-local/team/app/manifests/v1", "manifest", Form.REPOPATH),
        ("POST", "/v2/docker-local/app/blobs/uploads/", "upload-start", Form.REPOPATH),
        ("PATCH", "/v2/docker-local/app/blobs/uploads/u-1", "upload", Form.REPOPATH),
        ("GET", "/artifactory/api/docker/docker-local/v2/app/tags/list", "tags", Form.API),
        ("GET", "/artifactory/api/docker/docker-local/v2/token", "token", Form.API),
        ("GET", f"/artifactory/api/docker/docker-local/v2/app/referrers/sha256:{'a' * 64}", "referrers", Form.API),
        ("GET", "/artifactory/api/docker/docker-local/v2/auth", "docker-auth", Form.API),
        ("GET", "/artifactory/api/storage/docker-local/app/v1", "storage", Form.API),
        ("DELETE", "/artifactory/docker-local/app/v1", "item", Form.API),
    ],
)
def test_paths_resolve(tmp_path: Path, method: str, path: str, name: str, form: Form) -> None:
    """The application resolves each kind of path to the route meant for it."""
    app = make_app(default_config(), tmp_path)

    async def resolve() -> Route:
        info = await app.router.resolve(make_mocked_request(method, path, app=app))
        return info.handler.route  # type: ignore[attr-defined]  # the route rides on the handler function (refregistry/app.py)

    try:
        route = asyncio.run(resolve())
    finally:
        app[STATE].storage.close()
    assert (route.name, route.form) == (name, form)


def test_error_codes_are_unique() -> None:
    """No two Code members share a value (an equal ErrorSpec would make one an alias)."""
    enum.unique(Code)


@pytest.mark.parametrize("code", list(Code.__members__.values()), ids=list(Code.__members__))
def test_every_code_is_4xx(code: Code) -> None:
    """Every declared error answers a client error status with a message."""
    assert 400 <= code.spec.status < 500
    assert code.spec.code and code.spec.message


@pytest.mark.parametrize(
    ("error", "shape", "body"),
    [
        (
            RegistryError(Code.BLOB_UNKNOWN),
            Shape.OCI,
            {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry"}]},
        ),
        (
            RegistryError(Code.MANIFEST_TOO_LARGE, "too big", detail={"n": 1}),
            Shape.OCI,
            {"errors": [{"code": "SIZE_INVALID", "message": "too big", "detail": {"n": 1}}]},
        ),
        (
            RegistryError(Code.NOT_FOUND, "Unable to find item"),
            Shape.ARTIFACTORY,
            {"errors": [{"status": 404, "message": "Unable to find item"}]},
        ),
        (
            RegistryError(Code.UNAUTHORIZED, "Bad Credential"),
            Shape.TOKEN,
            {"statusCode": 401, "details": "Bad Credential"},
        ),
    ],
)
def test_error_body_shapes(error: RegistryError, shape: Shape, body: dict[str, object]) -> None:
    """OCI, Artifactory REST and token errors each have their own JSON body."""
    assert json.loads(error.body(shape)) == body
    assert error.status == error.code.spec.status


JFROG, ART6 = "X-JFrog-Override-Base-Url", "X-Artifactory-Override-Base-Url"


@pytest.mark.parametrize(
    ("headers", "base", "proxied"),
    [
        ({}, "http://registry.local:8082", False),
        ({JFROG: "https://art.example.com/"}, "https://art.example.com", True),
        ({ART6: "https://art.example.com/artifactory/"}, "https://art.example.com", True),
        ({ART6: "http://old.example.com:8081/artifactory"}, "http://old.example.com:8081", True),
        (
            {JFROG: "https://new.example.com", ART6: "https://old.example.com/artifactory"},
            "https://new.example.com",
            True,
        ),
        ({JFROG: "art.example.com"}, "http://registry.local:8082", False),
        ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "art.example.com"}, "https://art.example.com", True),
        (
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "art.example.com", "X-Forwarded-Port": "443"},
            "https://art.example.com",
            True,
        ),
        (
            {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "a.example", "X-Forwarded-Port": "80"},
            "http://a.example",
            True,
        ),
        (
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "art.example.com", "X-Forwarded-Port": "8443"},
            "https://art.example.com:8443",
            True,
        ),
        ({"X-Forwarded-Host": "art.example.com:9000", "X-Forwarded-Port": "9000"}, "http://art.example.com:9000", True),
        ({"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "a.example, b"}, "https://a.example", True),
    ],
)
def test_external_base(headers: dict[str, str], base: str, proxied: bool) -> None:
    """The base URL comes from override headers, then X-Forwarded-*, then the request itself."""
    request = make_mocked_request("GET", "/v2/", headers={"Host": "registry.local:8082", **headers})
    assert external_base(request) == (base, proxied)
    assert external_base(request, honour_proxy=False) == ("http://registry.local:8082", False)


B = "https://reg.example"
API = f"{B}/artifactory/api/docker/docker-local/v2/"
API_REALM = f"{API}token"
ROWS = [  # form, proxied, methods, registry root, realm
    (Form.REPOPATH, False, PROXY_METHODS, f"{B}/v2/docker-local/", f"{B}/v2/token"),
    (Form.REPOPATH, True, PROXY_METHODS, f"{B}/v2/docker-local/", f"{B}/v2/token"),
    (Form.GLOBAL, False, PROXY_METHODS, f"{B}/v2/", f"{B}/v2/token"),
    (Form.GLOBAL, True, PROXY_METHODS, f"{B}/v2/", f"{B}/v2/token"),
    (Form.API, False, PROXY_METHODS, API, API_REALM),
    (Form.API, True, ("REPOPATHPREFIX",), f"{B}/v2/docker-local/", f"{B}/v2/token"),
    (Form.API, True, ("SUBDOMAIN", "PORTPERREPO"), f"{B}/v2/", API_REALM),
]
CASES = [(form, proxied, method, root, realm) for form, proxied, methods, root, realm in ROWS for method in methods]


@pytest.mark.parametrize(("form", "proxied", "method", "root", "realm"), CASES)
def test_context_urls(form: Form, proxied: bool, method: str, root: str, realm: str) -> None:
    """Locations and the token realm follow the form in use, the proxy and its method."""
    ctx = RequestContext(form, B, proxied, method, "docker-local", "team/app")
    assert ctx.root_url() == root
    assert ctx.url("blobs/uploads/u-1") == f"{root}team/app/blobs/uploads/u-1"
    assert ctx.realm() == realm
    assert ctx.full_name == "docker-local/team/app"
    assert ctx.client_name == ("docker-local/team/app" if form is Form.REPOPATH else "team/app")
    # A challenge's scope is spelled for its realm: repo/image where /v2/token serves an image request.
    client_repopath = form is Form.REPOPATH or (form is Form.API and proxied and method == "REPOPATHPREFIX")
    assert ctx.scope_name == ("docker-local/team/app" if client_repopath else "team/app")

"""Every route refregistry answers, declared once.

``REGISTRY`` is the Docker Registry V2 / OCI API relative to a registry root; it is mounted
under both roots Artifactory serves: ``/artifactory/api/docker/{repo}/v2`` (what proxies
rewrite to) and the repository-path form ``/v2/{repo}`` (the server addressed directly).
``action`` is the permission a caller needs on the repository (``login``: any caller that
authenticated; None: public).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from .context import Form
from .errors import Shape
from .handlers import (
    aql,
    blobs,
    control,
    copymove,
    item_properties,
    listing,
    manifests,
    multiarch,
    promote,
    referrers,
    repositories,
    storage_api,
    system,
    tokens,
    trash,
    uploads,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    handler: Handler
    action: str | None
    shape: Shape = Shape.OCI
    form: Form = Form.GLOBAL


NAME = "{name:.+}"
REGISTRY = (
    Route("blob", "HEAD", f"/{NAME}/blobs/{{digest}}", blobs.head, "read"),
    Route("blob", "GET", f"/{NAME}/blobs/{{digest}}", blobs.get, "read"),
    Route("blob", "DELETE", f"/{NAME}/blobs/{{digest}}", blobs.delete, "delete"),
    Route("upload-start", "POST", f"/{NAME}/blobs/uploads/", uploads.start, "deploy"),
    Route("upload", "GET", f"/{NAME}/blobs/uploads/{{uuid}}", uploads.status, "deploy"),
    Route("upload", "PATCH", f"/{NAME}/blobs/uploads/{{uuid}}", uploads.patch, "deploy"),
    Route("upload", "PUT", f"/{NAME}/blobs/uploads/{{uuid}}", uploads.put, "deploy"),
    Route("upload", "DELETE", f"/{NAME}/blobs/uploads/{{uuid}}", uploads.cancel, "deploy"),
    Route("manifest", "HEAD", f"/{NAME}/manifests/{{reference}}", manifests.head, "read"),
    Route("manifest", "GET", f"/{NAME}/manifests/{{reference}}", manifests.get, "read"),
    Route("manifest", "PUT", f"/{NAME}/manifests/{{reference}}", manifests.put, "deploy"),
    Route("manifest", "DELETE", f"/{NAME}/manifests/{{reference}}", manifests.delete, "delete"),
    Route("tags", "GET", f"/{NAME}/tags/list", listing.tags, "read"),
    Route("referrers", "GET", f"/{NAME}/referrers/{{digest}}", referrers.referrers, "read"),
)

API_ROOT = "/artifactory/api/docker/{repo}/v2"
REPOPATH_ROOT = "/v2/{repo}"
# Artifactory's reverse-proxy generator, repository path method: `rewrite ^/(v2)/(.*) /artifactory/$1/$2;`
# hands /v2/<repo>/... on as /artifactory/v2/<repo>/..., and Artifactory takes the key from the path.
GENERATOR_ROOT = "/artifactory/v2"
# Not an Artifactory REST path: everything under /artifactory/ except /artifactory/api/.
REPOS = "/artifactory/api/repositories"
ITEM = "/artifactory/{repo:(?!api/|v2/)[^/]+}/{path:.+}"
ACCESS_TOKENS = "/access/api/v1/tokens"
SECURITY_TOKEN = "/artifactory/api/security/token"

OTHERS = (
    *(
        route
        for root in ("/v2", GENERATOR_ROOT)
        for route in (
            Route("ping", "GET", f"{root}/", system.v2_ping, "login"),
            Route("token", "GET", f"{root}/token", system.token, None, Shape.TOKEN),
            Route("catalog", "GET", f"{root}/_catalog", listing.catalog, "login"),
        )
    ),
    # Artifactory answers the API version in the repository key's place with a 400 of its own.
    Route(
        "unsupported",
        "*",
        "/artifactory/api/docker/{api:v1|v2}/{rest:.*}",
        system.unsupported_docker_request,
        None,
        Shape.ARTIFACTORY,
    ),
    Route("ping", "GET", f"{API_ROOT}/", system.v2_ping, "login", form=Form.API),
    Route("token", "GET", f"{API_ROOT}/token", system.token, None, Shape.TOKEN, Form.API),
    Route("catalog", "GET", f"{API_ROOT}/_catalog", listing.catalog, "read", form=Form.API),
    # Permissions on the target repository are checked by the handler, from the body.
    Route("promote", "POST", f"{API_ROOT}/promote", promote.promote, "read", Shape.ARTIFACTORY, Form.API),
    Route("multiarch-delete", "DELETE", f"{API_ROOT}/delete", multiarch.delete, "delete", Shape.ARTIFACTORY, Form.API),
    Route(
        "parent-lists", "POST", f"{API_ROOT}/parentManifests", multiarch.parents, "read", Shape.ARTIFACTORY, Form.API
    ),
    # The same API at the path its documentation's Usage line gives (its curl sample uses the one above).
    Route(
        "parent-lists",
        "POST",
        "/artifactory/api/v2/{repo}/parentManifests",
        multiarch.parents,
        "read",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route(
        "docker-auth",
        "GET",
        "/artifactory/api/docker/{repo}/{api:v1|v2}/auth",
        system.docker_auth,
        "login",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route("system-ping", "GET", "/artifactory/api/system/ping", system.system_ping, None, Shape.ARTIFACTORY),
    Route("system-ping", "HEAD", "/artifactory/api/system/ping", system.system_ping, None, Shape.ARTIFACTORY),
    Route("system-version", "GET", "/artifactory/api/system/version", system.system_version, None, Shape.ARTIFACTORY),
    Route(
        "system-configuration",
        "GET",
        "/artifactory/api/system/configuration",
        system.system_configuration,
        None,
        Shape.ARTIFACTORY,
    ),
    Route("storage", "GET", "/artifactory/api/storage/{repo}", storage_api.item, "read", Shape.ARTIFACTORY, Form.API),
    Route(
        "storage",
        "GET",
        "/artifactory/api/storage/{repo}/{path:.*}",
        storage_api.item,
        "read",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route(
        "properties",
        "PUT",
        "/artifactory/api/storage/{repo}/{path:.*}",
        item_properties.set_,
        "annotate",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route(
        "properties",
        "DELETE",
        "/artifactory/api/storage/{repo}/{path:.*}",
        item_properties.delete,
        "annotate",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route(
        "metadata",
        "PATCH",
        "/artifactory/api/metadata/{repo}/{path:.*}",
        item_properties.patch,
        "annotate",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route(
        "trash-restore",
        "POST",
        "/artifactory/api/trash/restore/{repo}/{path:.+}",
        trash.restore,
        "deploy",
        Shape.ARTIFACTORY,
        Form.API,
    ),
    Route("trash-empty", "POST", "/artifactory/api/trash/empty", trash.empty, "login", Shape.ARTIFACTORY),
    Route("repositories", "GET", REPOS, repositories.listing, "login", Shape.ARTIFACTORY),
    Route("repository", "GET", f"{REPOS}/{{key}}", repositories.show, "login", Shape.ARTIFACTORY),
    Route("repository", "PUT", f"{REPOS}/{{key}}", repositories.create, "login", Shape.ARTIFACTORY),
    Route("repository", "POST", f"{REPOS}/{{key}}", repositories.update, "login", Shape.ARTIFACTORY),
    Route("repository", "DELETE", f"{REPOS}/{{key}}", repositories.delete, "login", Shape.ARTIFACTORY),
    Route("search-prop", "GET", "/artifactory/api/search/prop", storage_api.search_prop, "login", Shape.ARTIFACTORY),
    Route("aql", "POST", "/artifactory/api/search/aql", aql.search, "login", Shape.ARTIFACTORY),
    # Permissions on the target (and delete on the source, to move) are checked by the handler.
    *(
        Route(name, "POST", f"/artifactory/api/{name}/{{repo}}{tail}", handler, "read", Shape.ARTIFACTORY, Form.API)
        for name, handler in (("copy", copymove.copy), ("move", copymove.move))
        for tail in ("", "/{path:.+}")
    ),
    Route("item", "GET", ITEM, storage_api.download, "read", Shape.ARTIFACTORY, Form.API),
    Route("item", "DELETE", ITEM, storage_api.delete, "delete", Shape.ARTIFACTORY, Form.API),
    # Access tokens (handlers/tokens): who may create or revoke which is the handler's to check.
    Route("access-token", "POST", ACCESS_TOKENS, tokens.create, "login", Shape.ARTIFACTORY),
    Route("access-token", "DELETE", f"{ACCESS_TOKENS}/{{token_id}}", tokens.revoke, "login", Shape.ARTIFACTORY),
    Route("security-token", "POST", SECURITY_TOKEN, tokens.create_legacy, "login", Shape.ARTIFACTORY),
    Route("security-token", "POST", f"{SECURITY_TOKEN}/revoke", tokens.revoke_legacy, "login", Shape.ARTIFACTORY),
)


# The test harness's door (handlers/control), mounted only by ``serve --fault-control``.
CONTROL_ROOT = "/artifactory/api/refregistry"
CONTROL = (
    Route("faults", "GET", f"{CONTROL_ROOT}/faults", control.faults, "login", Shape.ARTIFACTORY),
    Route("faults", "PUT", f"{CONTROL_ROOT}/faults", control.switch, "login", Shape.ARTIFACTORY),
    Route("reset", "POST", f"{CONTROL_ROOT}/reset", control.reset, "login", Shape.ARTIFACTORY),
)


def all_routes(*, fault_control: bool = False) -> list[Route]:
    mounted = [
        Route(r.name, r.method, root + r.path, r.handler, r.action, r.shape, form)
        for root, form in (
            (API_ROOT, Form.API),
            (REPOPATH_ROOT, Form.REPOPATH),
            (GENERATOR_ROOT + "/{repo}", Form.REPOPATH),
        )
        for r in REGISTRY
    ]
    return [*OTHERS, *mounted, *(CONTROL if fault_control else ())]

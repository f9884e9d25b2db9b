"""Per-request context: which repository and image, and the URLs the client must be sent.

Behind a reverse proxy the client never sees refregistry's own address.  The external base
URL is taken, in order, from ``X-JFrog-Override-Base-Url`` (Artifactory 7 proxy configs),
``X-Artifactory-Override-Base-Url`` (Artifactory 6; it carries the ``/artifactory`` context,
which is cut off), ``X-Forwarded-Proto/Host/Port``, and finally the request's own scheme and
``Host``.  Any of those headers means a proxy rewrote ``/v2/...`` into
``/artifactory/api/docker/{repo}/v2/...``; ``dockerReverseProxyMethod`` then says which
client-facing form to answer with, as Artifactory's HTTP settings do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from aiohttp import web

from .auth import Identity


class Form(Enum):
    API = "api"  # /artifactory/api/docker/{repo}/v2/{image}/...
    REPOPATH = "repopath"  # /v2/{repo}/{image}/...
    GLOBAL = "global"  # /v2/, /v2/token, /v2/_catalog, Artifactory REST


OVERRIDE_HEADERS = ("X-JFrog-Override-Base-Url", "X-Artifactory-Override-Base-Url")
DEFAULT_PORTS = {"http": "80", "https": "443"}


def external_base(request: web.Request, honour_proxy: bool = True) -> tuple[str, bool]:
    """(base URL without trailing slash, whether a proxy sent forwarding headers)."""
    headers = request.headers
    if honour_proxy:
        for name in OVERRIDE_HEADERS:
            value = headers.get(name, "").strip().rstrip("/")
            if value.startswith(("http://", "https://")):
                return value.removesuffix("/artifactory"), True
    proto = request.scheme
    host = headers.get("Host") or f"{request.host}"
    forwarded = False
    if honour_proxy:
        if "X-Forwarded-Proto" in headers:
            proto, forwarded = headers["X-Forwarded-Proto"].split(",")[0].strip(), True
        if "X-Forwarded-Host" in headers:
            host, forwarded = headers["X-Forwarded-Host"].split(",")[0].strip(), True
        port = headers.get("X-Forwarded-Port", "").strip()
        if port:
            forwarded = True
            if ":" not in host.rsplit("]", 1)[-1] and DEFAULT_PORTS.get(proto) != port:
                host = f"{host}:{port}"
    return f"{proto}://{host}", forwarded


@dataclass
class RequestContext:
    form: Form
    base: str
    proxied: bool
    proxy_method: str
    repo: str | None = None  # where storage is read and written (a virtual key resolves to a member)
    image: str | None = None
    identity: Identity | None = None
    addressed: str | None = None  # the virtual repository key the client used, if any
    members: tuple[str, ...] = ()  # that virtual repository's members, in resolution order

    @property
    def key(self) -> str | None:
        """The repository key as the client addressed it (what URLs and scopes carry)."""
        return self.addressed or self.repo

    @property
    def user(self) -> str | None:
        return self.identity.user if self.identity else None

    @property
    def full_name(self) -> str:
        """``repo/image``: how tokens and permissions name the image."""
        return f"{self.key}/{self.image}" if self.image else str(self.key)

    @property
    def client_name(self) -> str:
        """The image name as the client spelled it (what tags/list and scopes echo)."""
        return self.full_name if self.form is Form.REPOPATH else str(self.image)

    def root_url(self, suffix: str = "") -> str:
        """Absolute URL under the registry root the client is using (``.../v2/``)."""
        return self._registry_root() + suffix

    def _registry_root(self) -> str:
        if self.form is Form.GLOBAL:
            return f"{self.base}/v2/"
        if self.form is Form.REPOPATH:
            return f"{self.base}/v2/{self.key}/"
        if self.proxied:
            if self.proxy_method == "REPOPATHPREFIX":
                return f"{self.base}/v2/{self.key}/"
            return f"{self.base}/v2/"
        return f"{self.base}/artifactory/api/docker/{self.key}/v2/"

    def url(self, suffix: str) -> str:
        """Absolute URL of ``<image>/<suffix>`` in the form the client is using."""
        return self.root_url(f"{self.image}/{suffix}")

    @property
    def repopath_to_client(self) -> bool:
        """Whether the client sent ``/v2/<repo>/<image>``: to the server, or to a proxy that rewrote it."""
        proxied_repopath = self.proxied and self.proxy_method == "REPOPATHPREFIX"
        return self.form is Form.REPOPATH or (self.form is Form.API and proxied_repopath)

    @property
    def scope_name(self) -> str:
        """The image as a challenge's scope names it: as the client spells it, for the realm below."""
        return self.full_name if self.repopath_to_client else str(self.image)

    def realm(self) -> str:
        """Where the client asks for a token.  One realm per host the client sees, named alike on
        every challenge from it (/v2/ and images), with scopes in the client's own spelling: a
        client that keeps the first challenge's realm and asks for its own names gets a token that
        covers them.  Behind a repository-path proxy that is ``/v2/token``, as on the server itself."""
        if self.form is Form.API and not self.repopath_to_client:
            return f"{self.base}/artifactory/api/docker/{self.key}/v2/token"
        return f"{self.base}/v2/token"

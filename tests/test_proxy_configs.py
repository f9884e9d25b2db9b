"""Proxy configs: what they say (pure), that the proxies accept them, and that a push works through each.

The engine tests run each proxy stack for real, in a container of the stack image on a network
of their own, and reach it by address: no /etc/hosts line is written.  The names a client
would use still travel in the URL (SNI, certificate check against the run CA, Host header).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import docker
import pytest
import requests
from requests.adapters import HTTPAdapter

from fixtures.clients.registry import RegistryClient, Session, parse_challenge
from fixtures.content import images
from fixtures.stacks.defs import BY_ID, EMBEDDED, HTTPS_PORT, REPOS, Stack, endpoint
from fixtures.stacks.files import ADMIN, launch, write_directory
from fixtures.stacks.imagebuild import ensure_stack_image
from fixtures.stacks.pki import RunCA
from fixtures.stacks.proxyconf import APACHE_MODULES, apply, check_command, https_root, listeners, proxy_command, render
from fixtures.stacks.proxydefects import DEFECTS

PROXIED = [s for s in EMBEDDED if s.proxy != "direct"]
# Artifactory's rewrites, headers and REST API: the refregistry stacks.  The CNCF registry's stacks
# pass paths unchanged; the conformance run on them (tests/test_distribution.py) is their check.
ARTIFACTORY_PROXIED = [s for s in PROXIED if s.registry == "refregistry"]
HOST = "s.run1.art.local"
API = "/artifactory/api/docker"


def lines_of(stack: Stack) -> set[str]:
    """The rendered config's directive lines, stripped (comments left out)."""
    text = "".join(render(stack, HOST).values())
    return {line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")}


@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_every_stack_renders_the_same_bytes_twice(stack: Stack) -> None:
    """One config file per proxy, deterministic for a stack and host."""
    first = render(stack, HOST)
    assert list(first) == [{"nginx": "nginx.conf", "apache": "apache.conf", "haproxy": "haproxy.cfg"}[stack.proxy]]
    assert first == render(stack, HOST) and f"/stack/{next(iter(first))}" in proxy_command(stack)


@pytest.mark.parametrize(
    ("stack_id", "line"),
    [
        ("nginx-repopath-tls", f"rewrite ^/v2/([^/]+)/(.+)$ {API}/$1/v2/$2 break;"),
        ("nginx-subdomain-tls", f'if ($repo != "") {{ rewrite ^/v2/(.*)$ {API}/$repo/v2/$1 break; }}'),
        ("nginx-subdomain-tls", r"server_name s.run1.art.local ~^(?<repo>[a-z0-9][a-z0-9._-]*)\.s\.run1\.art\.local$;"),
        ("nginx-ports-tls", f"rewrite ^/v2/(.*)$ {API}/docker-dev-local/v2/$1 break;"),
        ("apache-repopath-tls", f"RewriteRule ^/v2/([^/]+)/(.+)$ http://127.0.0.1:8081{API}/$1/v2/$2 [P,NE,L]"),
        ("apache-subdomain-tls", f"RewriteRule ^/v2/(.*)$ http://127.0.0.1:8081{API}/%1/v2/$1 [P,NE,L]"),
        ("apache-ports-tls", f"RewriteRule ^/v2/(.*)$ http://127.0.0.1:8081{API}/docker-prod-local/v2/$1 [P,NE,L]"),
        ("haproxy-repopath-tls", f"http-request replace-path ^/v2/([^/]+)/(.+)$ {API}/\\1/v2/\\2"),
        ("haproxy-subdomain-tls", "http-request set-var(txn.repo) req.hdr(host),field(1,.) if repo_in_host"),
        (
            "haproxy-subdomain-tls",
            f"http-request replace-path ^/v2/(.*)$ {API}/%[var(txn.repo)]/v2/\\1 if repo_in_host",
        ),
        ("haproxy-ports-tls", f"http-request replace-path ^/v2/(.*)$ {API}/docker-local/v2/\\1 if {{ dst_port 5001 }}"),
    ],
)
def test_each_method_rewrites_to_the_api_form(stack_id: str, line: str) -> None:
    """Each method maps the client's /v2/ path to /artifactory/api/docker/<repo>/v2/ as Artifactory's generator does."""
    assert line in lines_of(BY_ID[stack_id])


COMMON = {
    "nginx": [
        "client_max_body_size 0;",
        "chunked_transfer_encoding on;",
        "proxy_request_buffering off;",
        "proxy_buffering off;",
        "proxy_read_timeout 900s;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-JFrog-Override-Base-Url https://$http_host;",
        "proxy_set_header X-Forwarded-Proto https;",
        "proxy_set_header X-Forwarded-Port $server_port;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "error_page 497 =307 https://$http_host$request_uri;",
        "location /artifactory/ { proxy_pass http://artifactory; }",
    ],
    "apache": [
        "LimitRequestBody 0",
        "SetEnv proxy-sendchunked 1",
        "Timeout 900",
        "AllowEncodedSlashes NoDecode",
        "ProxyPreserveHost On",
        'RequestHeader set X-Forwarded-Proto "https"',
        'RequestHeader set X-JFrog-Override-Base-Url "expr=https://%{HTTP_HOST}"',
        "ProxyPass / http://127.0.0.1:8081/ nocanon",
        "ErrorLog /dev/stderr",
        *(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in APACHE_MODULES),
    ],
    "haproxy": [
        "option forwardfor",
        "http-request set-header X-Forwarded-Proto https",
        "http-request set-header X-Forwarded-Port %[dst_port]",
        "http-request set-header X-JFrog-Override-Base-Url https://%[req.hdr(host)]",
        "timeout client 900s",
        "timeout server 900s",
        "log stdout format raw local0 warning",
        "bind abns@refconf-https accept-proxy ssl crt /stack/tls/server.pem alpn http/1.1",
    ],
}
PER_PORT = {
    "nginx": ["listen {port} ssl;"],
    "apache": ["Listen {port}", "<VirtualHost *:{port}>", 'RequestHeader set X-Forwarded-Port "{port}"'],
    "haproxy": ["bind :{port}"],
}
# What each proxy does with plain HTTP sent to a TLS port: a redirect to https, never an HTML error page.
PLAIN_HTTP = {
    "nginx": ["error_page 497 =307 https://$http_host$request_uri;"],
    "apache": ["ErrorDocument 400 https://s.run1.art.local/", "ErrorDocument 400 https://s.run1.art.local:5001/"],
    "haproxy": [
        "tcp-request inspect-delay 5s",
        "tcp-request content accept if { req.ssl_hello_type 1 }",
        "tcp-request content accept if HTTP",
        "use_backend be_https if { req.ssl_hello_type 1 }",
        "server https abns@refconf-https send-proxy-v2",
        "server plain abns@refconf-plain send-proxy-v2",
        "bind abns@refconf-plain accept-proxy",
        "http-request redirect scheme https code 307",
    ],
}


@pytest.mark.parametrize("stack", ARTIFACTORY_PROXIED, ids=lambda s: s.id)
def test_headers_streaming_and_tls_on_every_port(stack: Stack) -> None:
    """Forwarding headers, unlimited streamed bodies, 900s timeouts; TLS on 443 and on each repository's port."""
    lines = lines_of(stack)
    expected = COMMON[stack.proxy] + [t.format(port=p) for p, _ in listeners(stack) for t in PER_PORT[stack.proxy]]
    assert [line for line in expected if line not in lines] == []
    ports = sorted(int(m) for m in re.findall(r"(?:listen |Listen |bind :)(\d+)", "\n".join(lines)))
    assert ports == sorted(stack.ports()) == sorted(p for p, _ in listeners(stack))


@pytest.mark.parametrize("stack", [s for s in PROXIED if s.method == "ports"], ids=lambda s: s.id)
def test_plain_http_to_a_tls_port_is_redirected(stack: Stack) -> None:
    """Each proxy answers plain HTTP on its TLS ports with a redirect to https (reason in the config), not HTML."""
    text = "".join(render(stack, HOST).values())
    assert [line for line in PLAIN_HTTP[stack.proxy] if line not in lines_of(stack)] == []
    assert "# Plain HTTP on a TLS port:" in text


@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_no_1x_haproxy_no_duplicate_api_version_no_trailing_comments(stack: Stack) -> None:
    """HAProxy 2.x only (no chroot/daemon in a container); refregistry's own API-version header is not duplicated."""
    lines = lines_of(stack)
    assert not [line for line in lines if re.match(r"(reqi?rep|rspi?rep|reqadd|rspadd|chroot|daemon)\b", line)]
    assert not [line for line in lines if "Docker-Distribution-Api-Version" in line]
    assert not [line for line in lines if "#" in line and stack.proxy == "apache"]  # Apache refuses them


@pytest.mark.parametrize(
    ("stack_id", "port", "host", "path", "backend"),
    [
        ("nginx-repopath-tls", 443, HOST, "/v2/", "/v2/"),
        ("nginx-repopath-tls", 443, HOST, "/v2/token", "/v2/token"),
        ("nginx-repopath-tls", 443, HOST, "/v2/_catalog", "/v2/_catalog"),
        (
            "nginx-repopath-tls",
            443,
            HOST,
            "/v2/docker-local/a/b/blobs/uploads/",
            f"{API}/docker-local/v2/a/b/blobs/uploads/",
        ),
        ("nginx-subdomain-tls", 443, f"docker-dev-local.{HOST}", "/v2/", f"{API}/docker-dev-local/v2/"),
        ("nginx-subdomain-tls", 443, f"docker-dev-local.{HOST}", "/v2/token", f"{API}/docker-dev-local/v2/token"),
        ("nginx-subdomain-tls", 443, HOST, "/v2/", "/v2/"),
        ("nginx-ports-tls", 5003, f"{HOST}:5003", "/v2/app/manifests/1", f"{API}/docker-prod-local/v2/app/manifests/1"),
        ("nginx-ports-tls", 443, HOST, "/v2/docker-local/app/tags/list", "/v2/docker-local/app/tags/list"),
        ("nginx-ports-tls", 5001, f"{HOST}:5001", "/artifactory/api/system/ping", "/artifactory/api/system/ping"),
    ],
)
def test_what_the_backend_receives(stack_id: str, port: int, host: str, path: str, backend: str) -> None:
    """The rules every proxy renders, evaluated: /v2/token and /v2/_catalog never become repository keys."""
    assert apply(BY_ID[stack_id], HOST, port, host, path) == backend


@pytest.mark.parametrize("name", sorted(DEFECTS))
@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_a_proxy_defect_changes_the_config_only_where_it_applies(stack: Stack, name: str) -> None:
    """Where a defect makes sense its template writes it, under a comment naming it; elsewhere nothing changes."""
    clean, faulty = render(stack, HOST), render(stack, HOST, defects=[name])
    if not DEFECTS[name].applies(stack):
        assert faulty == clean
        return
    (text,), (comment, rest) = clean.values(), next(iter(faulty.values())).split("\n", 1)
    assert comment.startswith(f"# FAULT {name}:") and rest != text


# -- engine: the proxies themselves --------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack_image() -> Iterator[tuple[docker.DockerClient, str]]:
    client = docker.from_env(timeout=600)
    yield client, ensure_stack_image(client, progress=lambda _line: None)
    client.close()


@pytest.fixture(scope="module")
def run_ca(tmp_path_factory: pytest.TempPathFactory) -> RunCA:
    return RunCA(tmp_path_factory.mktemp("ca"))


@pytest.mark.engine
@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_proxy_accepts_its_config(
    stack: Stack, stack_image: tuple[docker.DockerClient, str], run_ca: RunCA, tmp_path: Path
) -> None:
    """nginx -t, apache2 -t and haproxy -c accept the rendered config with real TLS files."""
    client, image = stack_image
    write_directory(stack, stack.host("run1"), tmp_path)
    run_ca.issue(stack.names("run1"), tmp_path / "tls")
    argv = check_command(stack)
    volumes = {str(tmp_path): {"bind": "/stack", "mode": "ro"}}
    # create, start, remove in finally: run(remove=True) leaves the container behind if it cannot start.
    container = client.containers.create(image, argv[1:], entrypoint=argv[0], volumes=volumes, network_mode="none")
    try:
        container.start()
        status = container.wait(timeout=120)["StatusCode"]
        output = container.logs(stdout=True, stderr=True)
    finally:
        container.remove(force=True)
    assert status == 0 and re.search(rb"successful|Syntax OK|Configuration file is valid", output), output


class PinnedAdapter(HTTPAdapter):
    """Connects to one address whatever the URL's name; the name still drives SNI, the cert check and Host."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: str | tuple[str, str] | None = None
    ) -> tuple[Any, Any]:  # requests' own (private) TypedDicts
        host_params, typed = super().build_connection_pool_key_attributes(request, verify, cert)
        pool_kwargs: dict[str, Any] = dict(typed)
        if host_params["scheme"] == "https":
            pool_kwargs.update(server_hostname=host_params["host"], assert_hostname=host_params["host"])
        return {**host_params, "host": self.address}, pool_kwargs

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:  # type: ignore[override]  # narrows requests' send signature on purpose
        request.headers["Host"] = urlsplit(str(request.url)).netloc
        return super().send(request, **kwargs)  # type: ignore[arg-type]  # requests' stubs type **kwargs narrower than object


def pinned(session: requests.Session, address: str, ca: Path) -> requests.Session:
    """``session`` reaching the stack at ``address``, trusting only the run CA."""
    session.verify = str(ca)
    for prefix in ("https://", "http://"):
        session.mount(prefix, PinnedAdapter(address))
    return session


Proxied = tuple[Stack, str, str, Path]  # the stack, its base name, its container's address, the CA file


@pytest.fixture(params=ARTIFACTORY_PROXIED, ids=lambda s: s.id)
def proxied(
    request: pytest.FixtureRequest, stack_image: tuple[docker.DockerClient, str], run_ca: RunCA, tmp_path: Path
) -> Iterator[Proxied]:
    """The stack running (stack-run → refregistry + proxy) on a network of its own; both removed after."""
    stack: Stack = request.param
    client, image = stack_image
    run, label = "p" + secrets.token_hex(3), {"org.refconf.test": "proxy-configs"}
    write_directory(stack, stack.host(run), tmp_path)
    run_ca.issue(stack.names(run), tmp_path / "tls")
    env, command = launch(stack, [])
    mount = {str(tmp_path): {"bind": "/stack", "mode": "ro"}}
    with contextlib.ExitStack() as cleanup:  # removed in reverse, whatever failed
        network = client.networks.create(f"refconf-proxytest-{run}", labels=label)
        cleanup.callback(network.remove)
        container = client.containers.run(
            image, command, detach=True, environment=env, network=network.name, volumes=mount, labels=label
        )
        cleanup.callback(container.remove, force=True)
        deadline = time.monotonic() + 60
        while b"stack-run: ready" not in container.logs():
            container.reload()
            assert container.status != "exited" and time.monotonic() < deadline, container.logs().decode()[-3000:]
            time.sleep(0.2)
        container.reload()
        address = container.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]
        yield stack, stack.host(run), address, tmp_path / "tls" / "ca.crt"


@pytest.mark.engine
def test_push_through_the_proxy(proxied: Proxied) -> None:
    """Ping, Bearer challenge, a chunked 3 MiB upload and an image push land in the repository the method names."""
    stack, host, address, ca = proxied
    session = pinned(Session(), address, ca)
    for port, _ in listeners(stack):
        base = f"https://{host}" + ("" if port == HTTPS_PORT else f":{port}")
        answer = session.get(f"{base}/artifactory/api/system/ping", timeout=10)
        assert (answer.status_code, answer.text) == (200, "OK"), base
    for repo in REPOS:
        point = endpoint(stack, host, repo)
        answer = session.get(f"{point.registry_url}/v2/", timeout=10)
        scheme, params = parse_challenge(answer.headers.get("WWW-Authenticate", ""))
        assert (answer.status_code, scheme) == (401, "bearer"), answer.headers
        assert params["realm"].startswith(point.registry_url + "/"), params
        assert answer.headers["Docker-Distribution-Api-Version"] == "registry/2.0"  # once, not duplicated
    for repo in (REPOS[0], REPOS[1]):
        point = endpoint(stack, host, repo)
        registry = RegistryClient(point.registry_url, point.root, ADMIN)
        pinned(registry.session, address, ca)
        assert registry.ping().status_code == 200
        _chunked_upload(registry, "proxytest/big", bytes(range(256)) * 12288)
        image = images.image(f"proxy-{repo}")
        assert registry.push(image, "proxytest/app", "1").status_code == 201
        assert registry.digest_of("proxytest/app", "1") == image.digest
        catalog = registry.request("GET", "/v2/_catalog")
        assert catalog.status_code == 200 and point.name_of("proxytest/app") in catalog.json()["repositories"]
        stored = session.get(f"{point.base_url}/artifactory/api/storage/{repo}/proxytest/app/1", auth=ADMIN)
        assert stored.status_code == 200, f"not in {repo}: {stored.status_code}"
    for port, _ in listeners(stack):
        plain = session.put(f"http://{host}:{port}/v2/", data=b"x", allow_redirects=False, timeout=10)
        assert (plain.status_code, plain.headers.get("Location")) == REDIRECT[stack.proxy](host, port)


# Where plain HTTP to ``port`` is sent.  Apache's mod_ssl has lost the path and Host by then: 302 to the root.
REDIRECT = {
    "nginx": lambda host, port: (307, f"https://{host}:{port}/v2/"),
    "haproxy": lambda host, port: (307, f"https://{host}:{port}/v2/"),
    "apache": lambda host, port: (302, https_root(host, port)),
}


def _chunked_upload(registry: RegistryClient, name: str, data: bytes) -> None:
    """POST, one chunked PATCH (no Content-Length: the proxy must stream it), PUT with the digest."""
    started = registry.request("POST", f"{name}/blobs/uploads/")
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    assert location.startswith(registry.base + registry.root), location  # the client's own form and name
    chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
    patched = registry.request("PATCH", location, data=chunks, headers={"Content-Type": "application/octet-stream"})
    assert patched.status_code == 202, patched.text
    location = patched.headers["Location"]
    digest = images.digest_of(data)
    done = registry.request("PUT", f"{location}{'&' if '?' in location else '?'}digest={digest}")
    assert done.status_code == 201, done.text
    head = registry.request("HEAD", f"{name}/blobs/{digest}")
    assert (head.status_code, head.headers.get("Content-Length")) == (200, str(len(data)))

"""Proxy configs: what they say, rendered and read as text (tests/test_proxy_engine.py runs them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures.stacks import byo, byohints
from fixtures.stacks.defs import BY_ID, EMBEDDED, Method, Proxy, Stack
from fixtures.stacks.proxyconf import APACHE_MODULES, apply, listeners, proxy_command, render
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


# -- a user's own config (fixtures/stacks/byo.py, byohints.py; tests/test_proxy_config_variants.py runs them) --
USER_CONFIGS = sorted((Path(__file__).with_name("data") / "proxyconf").iterdir())


def users_config(path: Path) -> byo.UserConfig:
    proxy, method = path.stem.split("-")
    return byo.read(path, Proxy(proxy), Method(method), "art.local")


@pytest.mark.parametrize("path", USER_CONFIGS, ids=lambda p: p.stem)
def test_a_users_config_is_changed_only_where_it_must_be(path: Path) -> None:
    """Upstreams become the stack's registry and certificates the run's, a line for a line; ports are read from it."""
    config = users_config(path)
    assert len(config.lines) == len(config.original) and config.stack.id == f"byo-{path.stem}-tls"
    changed = {change.line for change in config.changes}
    assert [config.lines[n - 1] for n in changed] != [config.original[n - 1] for n in changed]
    assert "127.0.0.1:8081" in "\n".join(config.lines) and "/stack/tls/server." in "\n".join(config.lines)
    assert not re.search(r"localhost:8081|artifactory\.internal|/etc/ssl|/etc/haproxy/certs", "\n".join(config.lines))
    bound = {"docker-local": 5001, "docker-dev-local": 5002} if path.stem.endswith("ports") else {}
    assert config.stack.user is not None and dict(config.stack.user.repo_ports) == bound


def test_a_failure_names_the_line_of_the_users_config(tmp_path: Path) -> None:
    """A symptom names the directive behind it with its line number, or the line that is missing."""
    text = (Path(__file__).with_name("data") / "proxyconf" / "nginx-repopath.conf").read_text()
    limited = tmp_path / "nginx-repopath.conf"
    limited.write_text(text.replace("client_max_body_size 0;", "client_max_body_size 1m;"))
    number = limited.read_text().splitlines().index("    client_max_body_size 1m;") + 1
    said = byohints.explain(users_config(limited), "test_large_layer_pushes_in_one_request", "PUT u: got 413 (x)")
    assert said is not None and f"`client_max_body_size 1m;` at line {number}" in said
    forwarded = ("X-Forwarded-Proto", "Override-Base-Url")
    limited.write_text("\n".join(line for line in text.splitlines() if not any(h in line for h in forwarded)))
    location = "POST answered Location http://art.local:443/v2/x (scheme http, the client used https)"
    said = byohints.explain(users_config(limited), "test_upload_location", location)
    assert said is not None and "no line like `proxy_set_header X-Forwarded-Proto $scheme;`" in said

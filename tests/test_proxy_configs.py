"""Proxy configs: rendered for every stack, checked by the proxies' own parsers in the stack image."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from fixtures.imagebuild import ensure_stack_image
from fixtures.pki import RunCA
from fixtures.proxyconf import check_command, render
from fixtures.stackdefs import EMBEDDED, Stack
from fixtures.stackfiles import write_directory

PROXIED = [s for s in EMBEDDED if s.proxy != "direct"]
HOST = "s.run1.art.local"


@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_rendering_is_deterministic(stack: Stack) -> None:
    """The same stack and host render the same bytes."""
    assert render(stack, HOST) == render(stack, HOST)


@pytest.mark.parametrize(
    ("stack_id", "line"),
    [
        ("nginx-repopath-tls", "rewrite ^/v2/([^/]+)/(.+)$ /artifactory/api/docker/$1/v2/$2 break;"),
        ("nginx-subdomain-tls", 'if ($repo != "") { rewrite ^/v2/(.*)$ /artifactory/api/docker/$repo/v2/$1 break; }'),
        ("nginx-ports-tls", "rewrite ^/v2/(.*)$ /artifactory/api/docker/docker-dev-local/v2/$1 break;"),
        (
            "apache-subdomain-tls",
            "RewriteRule ^/v2/(.*)$ http://127.0.0.1:8081/artifactory/api/docker/%1/v2/$1 [P,NE,L]",
        ),
        ("haproxy-ports-tls", "http-request set-var(txn.repo) str(docker-prod-local) if { dst_port 5003 }"),
        ("haproxy-repopath-tls", "http-request replace-path ^/v2/([^/]+)/(.+)$ /artifactory/api/docker/\\1/v2/\\2"),
    ],
)
def test_each_method_rewrites_to_the_api_form(stack_id: str, line: str) -> None:
    """Each method maps the client's /v2/ path to /artifactory/api/docker/<repo>/v2/ as Artifactory's generator does."""
    stack = next(s for s in PROXIED if s.id == stack_id)
    lines = {raw.strip() for text in render(stack, HOST).values() for raw in text.splitlines()}
    assert line in lines


@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_no_haproxy_1x_directives_and_override_header_everywhere(stack: Stack) -> None:
    """HAProxy 2.x syntax only; every proxy sends X-JFrog-Override-Base-Url."""
    text = next(iter(render(stack, HOST).values()))
    assert not re.search(r"^\s*(reqirep|reqrep|rspirep|reqadd)\b", text, re.M)
    assert "X-JFrog-Override-Base-Url" in text


@pytest.fixture(scope="module")
def stack_image() -> Iterator[tuple[docker.DockerClient, str]]:
    client = docker.from_env(timeout=600)
    yield client, ensure_stack_image(client, progress=lambda _line: None)
    client.close()


@pytest.mark.engine
@pytest.mark.parametrize("stack", PROXIED, ids=lambda s: s.id)
def test_proxy_accepts_its_config(stack: Stack, stack_image: tuple[docker.DockerClient, str], tmp_path: Path) -> None:
    """nginx -t, apache2 -t and haproxy -c accept the rendered config with real TLS files."""
    client, image = stack_image
    write_directory(stack, HOST, tmp_path)
    RunCA(tmp_path / "ca").issue(stack.names("run1"), tmp_path / "tls")
    argv = check_command(stack)
    output = client.containers.run(
        image,
        argv[1:],
        entrypoint=argv[0],
        remove=True,
        stderr=True,
        volumes={str(tmp_path): {"bind": "/stack", "mode": "ro"}},
    )
    assert re.search(rb"successful|Syntax OK|Configuration file is valid", output), output

"""The proxies themselves: each accepts its config, and a push works through each.

Each proxy stack runs for real, in a container of the stack image on a network of its own, and
is reached by address: no /etc/hosts line is written.  The names a client would use still travel
in the URL (SNI, certificate check against the run CA, Host header).
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
from fixtures.stacks.defs import HTTPS_PORT, REPOS, Stack, endpoint
from fixtures.stacks.files import ADMIN, launch, write_directory
from fixtures.stacks.imagebuild import ensure_stack_image
from fixtures.stacks.pki import RunCA
from fixtures.stacks.proxyconf import check_command, https_root, listeners
from tests.test_proxy_configs import ARTIFACTORY_PROXIED, PROXIED


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

"""The stack image: where its Debian comes from and, with the real engine, its versions label,
refregistry in it and stack-run's failure reports.

Containers get no route out (``network_mode=none``) unless a test needs to reach one; that one
sits on a docker network of its own, which the host reaches by the container's address.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
import requests
import yaml
from docker.models.containers import Container

import refregistry
from fixtures.stacks.defs import BY_ID
from fixtures.stacks.files import registry_config
from fixtures.stacks.imagebuild import debian_source, ensure_stack_image, versions
from refregistry.faults import CATALOGUE

engine = pytest.mark.engine

LABELS = {"org.refconf.test": "stack-image"}
BINARIES = ("apache", "docker-registry", "haproxy", "nginx", "notary", "python", "refregistry")
Start = Callable[..., Container]


# -- where the base image's Debian comes from (no engine) ---------------------------------------------
HOST_SOURCES = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
"""


def etc_with(tmp_path: Path, files: dict[str, str], codename: str = "bookworm") -> Path:
    (tmp_path / "apt" / "sources.list.d").mkdir(parents=True)
    (tmp_path / "os-release").write_text(f'PRETTY_NAME="Debian GNU/Linux 12"\nVERSION_CODENAME={codename}\n')
    for name, text in files.items():
        (tmp_path / "apt" / name).write_text(text)
    return tmp_path


def test_debian_source_from_deb822(tmp_path: Path) -> None:
    etc = etc_with(tmp_path, {"sources.list.d/debian.sources": HOST_SOURCES})
    assert debian_source(etc) == ("http://deb.debian.org/debian", "bookworm")


def test_debian_source_skips_disabled_and_foreign_sources(tmp_path: Path) -> None:
    files = {
        # A third-party repository reusing the suite name, one-line form with options.
        "sources.list": "deb [arch=amd64 signed-by=/k.gpg] https://download.docker.com/linux/debian bookworm stable\n"
        "deb https://apt.example.com/repo bookworm main\n",
        "sources.list.d/off.sources": "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\n"
        "Components: main\nEnabled: no\n",
        # Fields continued on indented lines.
        "sources.list.d/mirror.sources": "Types: deb deb-src\nURIs:\n http://mirror.example/debian/\n"
        "Suites: bookworm\nComponents:\n main contrib\n",
        "sources.list.d/old.list.disabled": "deb http://disabled.example/debian bookworm main\n",
    }
    assert debian_source(etc_with(tmp_path, files)) == ("http://mirror.example/debian/", "bookworm")


def test_debian_source_one_line_form_and_no_match(tmp_path: Path) -> None:
    etc = etc_with(
        tmp_path,
        {
            "sources.list": "# deb http://commented.example/debian bookworm main\n"
            "deb http://ftp.example.org/debian bookworm main\n"
        },
    )
    assert debian_source(etc) == ("http://ftp.example.org/debian", "bookworm")
    with pytest.raises(RuntimeError, match="no apt source for Debian trixie"):
        debian_source(etc_with(tmp_path / "t", {"sources.list.d/debian.sources": HOST_SOURCES}, codename="trixie"))


# -- the image, with the engine ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.fail(f"no Docker engine answers ({exc}); run scripts/setup-host.sh as root", pytrace=False)
    yield client
    client.close()


@pytest.fixture(scope="module")
def image(client: docker.DockerClient) -> str:
    return ensure_stack_image(client, progress=lambda _line: None)


@pytest.fixture
def start(client: docker.DockerClient, image: str) -> Iterator[Start]:
    """Start containers of the stack image; they (and their networks) are removed after, whatever happened."""
    with contextlib.ExitStack() as cleanup:  # unwinds in reverse: containers before their network

        def run(
            *command: str, env: dict[str, str] | None = None, stack_dir: Path | None = None, reach: bool = False
        ) -> Container:
            network_name = None
            if reach:
                network = client.networks.create(f"refconf-imagetest-{secrets.token_hex(4)}", labels=LABELS)
                cleanup.callback(network.remove)
                network_name = network.name
            volumes = {str(stack_dir): {"bind": "/stack", "mode": "ro"}} if stack_dir else {}
            container = client.containers.run(
                image,
                list(command),
                detach=True,
                environment=env or {},
                volumes=volumes,
                labels=LABELS,
                network=network_name,
                network_mode=None if reach else "none",
            )
            cleanup.callback(container.remove, force=True)
            return container

        yield run


def logs_until(container: Container, text: str, timeout: float = 60) -> str:
    """The container's log once it shows ``text``; fails with the log if it exits or time runs out first."""
    deadline = time.monotonic() + timeout
    while text not in (logs := container.logs().decode(errors="replace")):
        container.reload()
        assert container.status != "exited", f"exited before {text!r}:\n{logs}"
        assert time.monotonic() < deadline, f"no {text!r} within {timeout}s:\n{logs}"
        time.sleep(0.1)
    return logs


def address(container: Container) -> str:
    container.reload()
    (network,) = container.attrs["NetworkSettings"]["Networks"].values()
    return network["IPAddress"]


@engine
def test_versions_label_has_every_binary(client: docker.DockerClient, image: str) -> None:
    found = versions(client, image)
    assert tuple(sorted(found)) == BINARIES
    for name, version in found.items():
        assert re.fullmatch(r"\d+\.\d+\S*", version), f"{name}: {version!r}"
    assert found["python"].startswith("3.11."), "the image's python3 must run the host's cp311 wheels"
    assert found["refregistry"] == refregistry.__version__


@engine
def test_refregistry_answers_on_the_container_address(start: Start, tmp_path: Path) -> None:
    (tmp_path / "refregistry.yaml").write_text(yaml.safe_dump(registry_config(BY_ID["direct-repopath-plain"])))
    container = start(env={"REFREGISTRY_LISTEN": "0.0.0.0:8081"}, stack_dir=tmp_path, reach=True)
    logs = logs_until(container, "stack-run: ready")
    assert "refregistry 0.1.0 listening on http://0.0.0.0:8081 data=/data faults=none" in logs
    assert "default configuration" not in logs  # the mounted config was used

    session = requests.Session()
    session.trust_env = False  # straight to the container, never through a proxy from the environment
    answer = session.get(f"http://{address(container)}:8081/artifactory/api/system/ping", timeout=10)
    assert (answer.status_code, answer.text) == (200, "OK")

    # docker stop: stack-run forwards SIGTERM and exits cleanly, long before the engine's SIGKILL.
    started = time.monotonic()
    container.stop(timeout=20)
    assert time.monotonic() - started < 10
    container.reload()
    assert container.attrs["State"]["ExitCode"] == 0
    assert "stack-run: refregistry exited with code 0 after signal 15" in container.logs().decode()


@engine
def test_faults_reach_refregistry(start: Start) -> None:
    faults = [CATALOGUE[0].name, CATALOGUE[1].name]
    container = start(env={"REFREGISTRY_FAULTS": " ".join(faults)})
    assert f"faults={', '.join(faults)}" in logs_until(container, "stack-run: ready")


@engine
def test_proxy_exiting_at_once_fails_the_container_naming_it(start: Start) -> None:
    container = start("--", "nginx", "-c", "/nonexistent/nginx.conf", "-g", "daemon off;", env={"STACK_PORTS": "443"})
    status = container.wait(timeout=60)["StatusCode"]
    logs = container.logs().decode(errors="replace")
    assert status == 1, logs
    assert "stack-run: proxy nginx exited with code 1 while waiting for port 443" in logs
    assert re.search(r'\n  \| .*\[emerg\] .*"/nonexistent/nginx.conf" failed', logs), "the proxy's last words, repeated"
    assert "stack-run: ready" not in logs


@engine
def test_refregistry_failing_to_start_fails_the_container_naming_it(start: Start) -> None:
    container = start(env={"REFREGISTRY_FAULTS": "no-such-fault"})
    status = container.wait(timeout=60)["StatusCode"]
    logs = container.logs().decode(errors="replace")
    assert status == 2, logs
    assert "stack-run: refregistry exited with code 2 while waiting for refregistry's ready line" in logs
    assert "unknown fault 'no-such-fault'" in logs

"""Live coverage: virtual, remote, content-trust and engine-side TLS checks run on ``--target`` when the
user names what the suite cannot create (``--virtual-repo``, ``--remote-repo`` with ``--remote-image``,
``--notary-url``, an engine that trusts the target), and are skipped naming the option when not.

Targets are refregistry processes started by hand; a remote repository's upstream is a second one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.notary import Notary, running_notary
from fixtures.services.process import RefRegistryProcess
from fixtures.stacks import hostenv
from fixtures.stacks.imagebuild import ensure_stack_image
from fixtures.stacks.lifecycle import RUN_LABEL
from fixtures.stacks.pki import RunCA
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer
from tests.live_runs import folders, results, run_live, settings_of

pytestmark = pytest.mark.engine

CREDENTIALS = ("--username", ADMIN[0], "--password", ADMIN[1])
UPSTREAM = {"users": {"admin": {"password": "password", "admin": True}}, "localRepositories": {"upstream-local": {}}}
LIVE_UPSTREAM_ONLY = "a live remote repository's upstream is not the suite's to change"


def covered(upstream: str) -> dict:
    """A registry with a virtual repository over two locals and a remote one caching ``upstream``."""
    return {
        **PERMISSIONS_CONFIG,
        "localRepositories": {"docker-local": {}, "docker-dev-local": {}},
        "virtualRepositories": {
            "docker-virtual": {
                "repositories": ["docker-local", "docker-dev-local"],
                "defaultDeploymentRepo": "docker-dev-local",
            }
        },
        "remoteRepositories": {
            "docker-remote": {
                "url": f"{upstream}/artifactory/api/docker/upstream-local",
                "username": "admin",
                "password": "password",
            }
        },
    }


def by_capability(tmp_path: Path, capability: str) -> dict[str, dict]:
    return {name: r for name, r in results(tmp_path).items() if r["capability"] == capability}


def test_virtual_and_remote_checks_run_with_the_options_and_leave_nothing(
    start_server: StartServer, tmp_path: Path
) -> None:
    """With --virtual-repo, and --remote-repo with an image its upstream has, the virtual checks pass (members
    read from the API); the remote ones that need no control of the upstream pass, the others are skipped
    saying why; no item of the run is left in a member and every setting is what it was."""
    upstream = start_server(UPSTREAM, name="upstream")
    pushed = images.image("upstream-app", layers=2)
    RegistryClient(upstream.url, "/v2/upstream-local/", ADMIN).push(pushed, "lib/app", "1").raise_for_status()
    live = start_server(covered(upstream.url), name="live")
    before = settings_of(live)
    done = run_live(
        tmp_path,
        *("--target", live.url, "--repo", "docker-local", *CREDENTIALS, "--capabilities", "virtual,remote"),
        *("--virtual-repo", "docker-virtual", "--remote-repo", "docker-remote", "--remote-image", "lib/app:1"),
        "--allow-config-changes",  # the timestamp-resolution check sets the virtual's resolveDockerTagsByTimestamp
    )
    assert done.returncode == 0, done.stdout[-3000:]
    virtual = by_capability(tmp_path, "virtual")
    assert len(virtual) == 5 and {r["outcome"] for r in virtual.values()} == {"passed"}, virtual
    remote = {name: (r["outcome"], r["message"]) for name, r in by_capability(tmp_path, "remote").items()}
    assert remote.pop("test_pull_through_gets_the_upstream_image") == ("passed", "")
    assert remote.pop("test_push_to_a_remote_repository_is_denied") == ("passed", "")
    assert len(remote) == 3 and all(o == "skipped" and LIVE_UPSTREAM_ONLY in m for o, m in remote.values()), remote
    assert settings_of(live) == before
    assert {key: folders(live, key) for key in ("docker-local", "docker-dev-local")} == {
        "docker-local": [],
        "docker-dev-local": [],
    }, "items of the run remain"
    assert not [f for f in folders(live, "docker-remote") if "conformance-" in f]


def test_without_the_options_those_checks_are_skipped_naming_them(start_server: StartServer, tmp_path: Path) -> None:
    """No --virtual-repo, --remote-repo or --notary-url: every check of those capabilities is skipped, and
    its reason names the option that would run it."""
    live = start_server(PERMISSIONS_CONFIG)
    done = run_live(tmp_path, "--target", live.url, *CREDENTIALS, "--capabilities", "virtual,remote,content_trust")
    assert done.returncode == 0, done.stdout[-3000:]
    option = {"virtual": "(--virtual-repo KEY)", "remote": "(--remote-repo KEY", "content_trust": "(--notary-url URL"}
    found = results(tmp_path).values()
    assert {r["capability"] for r in found} == set(option)
    for result in found:
        assert result["outcome"] == "skipped" and option[result["capability"]] in result["message"], result


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--remote-repo", "docker-remote"), "--remote-repo KEY and --remote-image NAME[:TAG] go together"),
        (("--virtual-repo", "docker-local"), "--virtual-repo docker-local: needs a virtual repository"),
        (("--notary-url", "http://notary.example"), "expected https://host[:port]"),
        (("--method", "ports", "--virtual-repo", "docker-virtual"), "need --method repopath or subdomain"),
    ],
    ids=["remote-without-image", "not-a-virtual", "notary-not-https", "ports-method"],
)
def test_an_unusable_option_is_one_line_and_nonzero(
    start_server: StartServer, tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    live = start_server(PERMISSIONS_CONFIG)
    done = run_live(tmp_path, "--target", live.url, *CREDENTIALS, *args)
    output = done.stdout + done.stderr
    assert done.returncode == 4 and line in output, output[-2000:]
    assert "Traceback" not in output


@pytest.fixture
def notary(tmp_path: Path) -> Iterator[tuple[Notary, RunCA]]:
    """A Notary server as a user runs one: the stack image's notary-server in a container, its certificate
    from a CA of this test, its name in /etc/hosts."""
    client = docker.from_env(timeout=120)
    run = secrets.token_hex(3)
    network_name = f"refconf-live-notary-{run}"
    network = client.networks.create(network_name, labels={RUN_LABEL: run})
    ca = RunCA(tmp_path / "ca")
    try:
        started = running_notary(
            client, ensure_stack_image(client), network_name, ca, run, f"live-{run}.art.local", {RUN_LABEL: run}
        )
        with started as server:
            yield server, ca
    finally:
        network.remove()
        client.close()


def test_content_trust_checks_run_against_the_users_notary(
    start_server: StartServer, notary: tuple[Notary, RunCA], tmp_path: Path
) -> None:
    """With --notary-url and --notary-ca the content trust checks sign and verify against that server; the
    one that takes a certificate away needs the registry's TLS and is skipped on this plain-HTTP target."""
    server, ca = notary
    live = start_server(PERMISSIONS_CONFIG)
    done = run_live(
        tmp_path,
        *("--target", live.url, *CREDENTIALS, "--capabilities", "content_trust"),
        *("--notary-url", server.url, "--notary-ca", str(ca.cert_path)),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    outcome = {name: r["outcome"] for name, r in results(tmp_path).items()}
    assert outcome.pop("test_notary_certificate_is_verified") == "skipped"
    assert set(outcome.values()) == {"passed"} and len(outcome) == 4, outcome
    assert folders(live, "docker-local") == []


@pytest.fixture
def tls_live(tmp_path: Path) -> Iterator[tuple[RefRegistryProcess, str, RunCA]]:
    """(server, host:port, CA): refregistry serving TLS at an address of this host outside 127.0.0.0/8 (the
    engine verifies no certificate on loopback), under a name of its own in /etc/hosts."""
    client = docker.from_env()
    address = client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]  # this host, on docker0
    client.close()
    run = secrets.token_hex(3)
    name = f"live-tls-{run}.art.local"
    ca = RunCA(tmp_path / "ca")
    tls = ca.issue([name], tmp_path / "tls")
    extra = ("--tls-cert", str(tls.cert_chain), "--tls-key", str(tls.key))
    hostenv.add_hosts(run, "live-tls", address, [name])
    try:
        with RefRegistryProcess(tmp_path / "data", listen=f"{address}:0", extra=extra) as server:
            yield server, f"{name}:{server.url.rsplit(':', 1)[1]}", ca
    finally:
        hostenv.remove_hosts(run, "live-tls")


def test_engine_side_tls_check_runs_where_the_engine_trusts_the_target(
    tls_live: tuple[RefRegistryProcess, str, RunCA], tmp_path: Path
) -> None:
    """The engine push over verified TLS runs once the engine trusts the target (its CA in certs.d), and is
    skipped saying how to make it trust the target before; the checks that change the engine's trust
    stay skipped, saying they are the user's."""
    _, hostport, ca = tls_live
    args: tuple[str, ...] = ("--target", f"https://{hostport}", "--ca-bundle", str(ca.cert_path), *CREDENTIALS)
    args += ("--capabilities", "tls", "-k", "push")
    untrusted = run_live(tmp_path / "untrusted", *args)
    assert untrusted.returncode == 0, untrusted.stdout[-3000:]
    before = results(tmp_path / "untrusted")["test_push_with_the_ca_in_certs_d_succeeds"]
    assert before["outcome"] == "skipped", before
    assert f"does not trust {hostport}'s certificate" in before["message"]
    assert f"put its CA in /etc/docker/certs.d/{hostport}/ca.crt" in before["message"]
    run = secrets.token_hex(3)
    hostenv.add_ca(hostport, ca.cert_path, run)
    try:
        trusted = run_live(tmp_path / "trusted", *args)
    finally:
        hostenv.remove_ca(hostport, run)
    assert trusted.returncode == 0, trusted.stdout[-3000:]
    outcome = {name: (r["outcome"], r["message"]) for name, r in results(tmp_path / "trusted").items()}
    assert outcome.pop("test_push_with_the_ca_in_certs_d_succeeds") == ("passed", "")
    assert outcome and all(o == "skipped" and "on a live target" in m for o, m in outcome.values()), outcome

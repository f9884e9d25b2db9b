"""End to end with the real Docker engine: login, push, pull and what Artifactory's APIs then show.

refregistry listens on plain HTTP on 127.0.0.1; the engine treats 127.0.0.0/8 as insecure,
tries HTTPS, then falls back to HTTP, so no TLS and no daemon configuration are needed.
Every test uses its own image name, so ``pytest -n 2`` runs never collide.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest
import requests

from fixtures.clients.engine import EXISTS, PUSHED, Engine, EngineUnavailable, cli_login
from fixtures.clients.registry import RegistryClient
from fixtures.content.images import DOCKER_MANIFEST
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer

pytestmark = pytest.mark.engine

BASE_FILE = {"base.bin": bytes(range(256)) * 16}
APP_FILE = {"app.bin": b"refregistry end-to-end\n" * 64}
LABELS = {"org.example.team": "conformance", "org.example.purpose": "e2e"}


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A private directory (DOCKER_CONFIG dirs hold credentials), removed even when the test fails."""
    with tempfile.TemporaryDirectory(prefix="refconf-e2e-") as tmp:
        yield Path(tmp)


@pytest.fixture
def engine(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The local engine with credentials only from a private DOCKER_CONFIG; its images are removed after."""
    config_dir = scratch / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    try:
        eng = Engine.connect(config_dir)
    except EngineUnavailable as exc:
        unavailable = str(exc)
    else:
        yield eng
        eng.close()
        return
    pytest.fail(unavailable, pytrace=False)


@pytest.fixture
def rr(start_server: StartServer) -> RefRegistryProcess:
    return start_server(PERMISSIONS_CONFIG)


def registry_of(server: RefRegistryProcess) -> str:
    return server.url.removeprefix("http://")


def unique(server: RefRegistryProcess, tag: str = "1") -> tuple[str, str, str]:
    """(image name, tag, full reference) for a fresh image in docker-local."""
    name = f"e2e-{uuid.uuid4().hex[:12]}"
    return name, tag, f"{registry_of(server)}/docker-local/{name}:{tag}"


@pytest.mark.usefixtures("engine")
def test_cli_login_succeeds_and_wrong_password_is_refused(rr: RefRegistryProcess, scratch: Path) -> None:
    """docker login with the CLI: right password -> Login Succeeded; wrong one -> unauthorized."""
    config_dir = scratch / "cli-config"
    config_dir.mkdir()
    ok = cli_login(registry_of(rr), *ADMIN, config_dir)
    assert ok.returncode == 0, ok.stderr
    assert "Login Succeeded" in ok.stdout
    stored = json.loads((config_dir / "config.json").read_text())
    assert registry_of(rr) in stored.get("auths", {})

    bad = cli_login(registry_of(rr), "admin", "not-the-password", scratch / "cli-config-bad")
    assert bad.returncode != 0
    assert "401" in bad.stderr or "unauthorized" in bad.stderr.lower(), bad.stderr


def test_login_push_remove_pull_gives_same_digest(engine: Engine, rr: RefRegistryProcess) -> None:
    """login, build, push, remove the local image, pull it back: the repo digest is the pushed one."""
    name, _, ref = unique(rr)
    assert engine.login(registry_of(rr), *ADMIN)["Status"] == "Login Succeeded"
    built = engine.build(ref, BASE_FILE, labels=LABELS)
    pushed = engine.push(ref).check()

    engine.remove(ref)
    assert engine.image(ref) is None

    pulled = engine.pull(ref)
    assert f"{registry_of(rr)}/docker-local/{name}@{pushed}" in pulled.attrs["RepoDigests"]
    assert pulled.id == built.id
    assert pulled.labels == LABELS


def test_pushed_image_is_visible_through_artifactory_apis(engine: Engine, rr: RefRegistryProcess) -> None:
    """push, then digest_of via /artifactory/api/docker, labels as docker.label.* properties, ping OK."""
    name, tag, ref = unique(rr)
    engine.build(ref, BASE_FILE, labels=LABELS)
    pushed = engine.push(ref, auth=ADMIN).check()

    api = RegistryClient(rr.url, "/artifactory/api/docker/docker-local/v2/", ADMIN)
    head = api.request("HEAD", f"{name}/manifests/{tag}", headers={"Accept": DOCKER_MANIFEST})
    assert head.status_code == 200
    assert head.headers["Docker-Content-Digest"] == pushed

    props = requests.get(
        f"{rr.url}/artifactory/api/storage/docker-local/{name}/{tag}/manifest.json?properties", auth=ADMIN, timeout=30
    )
    assert props.status_code == 200, props.text
    properties = props.json()["properties"]
    for key, value in LABELS.items():
        assert properties.get(f"docker.label.{key}") == [value]
    assert properties["docker.manifest"] == [tag]
    assert properties["docker.manifest.digest"] == [pushed]

    ping = requests.get(f"{rr.url}/artifactory/api/system/ping", timeout=30)
    assert (ping.status_code, ping.text) == (200, "OK")


def test_second_image_pushes_only_its_new_layer(engine: Engine, rr: RefRegistryProcess) -> None:
    """push a base image, then an image built on it: only the new layer is uploaded."""
    name, _, base_ref = unique(rr, "base")
    app_ref = f"{registry_of(rr)}/docker-local/{name}:app"
    engine.build(base_ref, BASE_FILE, labels=LABELS)
    first = engine.push(base_ref, auth=ADMIN)
    first.check()
    assert first.layer_counts() == {PUSHED: 1}, first.layers

    engine.build(app_ref, APP_FILE, base=base_ref)
    second = engine.push(app_ref, auth=ADMIN)
    second.check()
    assert second.layer_counts() == {PUSHED: 1, EXISTS: 1}, second.layers


def test_reader_without_deploy_is_denied_on_push(engine: Engine, rr: RefRegistryProcess) -> None:
    """login as a read-only user, push: the push stream reports denied."""
    _, _, ref = unique(rr)
    engine.login(registry_of(rr), "reader", "reader-pw")
    engine.build(ref, BASE_FILE)
    result = engine.push(ref)
    assert result.errors, f"push by a reader succeeded: {result.events[-3:]}"
    assert result.digest is None
    assert "denied" in result.errors[-1].lower(), result.errors


def test_wrong_password_login_is_refused_by_the_engine(engine: Engine, rr: RefRegistryProcess) -> None:
    """login through the engine with a wrong password raises, naming 401."""
    with pytest.raises(docker.errors.APIError) as refused:
        engine.login(registry_of(rr), "admin", "not-the-password")
    assert "401" in str(refused.value) or "unauthorized" in str(refused.value).lower()

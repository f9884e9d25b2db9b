"""``serve --artifactory-version``: refregistry behaves as the version it is started as.

Each change of refregistry/versions.py, seen at HTTP level on an instance just older than it
(the current behaviour is what the other tests/test_api_*.py hold).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from fixtures.clients.admin import AdminClient
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry import versions
from refregistry.policy import Policy
from tests.conftest import ADMIN, StartServer

API = "/artifactory/api/docker/docker-local/v2"
RETENTION = {"localRepositories": {"docker-local": {"maxUniqueTags": 1}, "docker-prod-local": {}}}


def started_as(start_server: StartServer, version: str, config: dict | None = None) -> RefRegistryProcess:
    return start_server(config, extra=("--artifactory-version", version, "--fault-control"), name=f"rr-{version}")


def multiarch(server: RefRegistryProcess, path: str, tag: str = "1") -> requests.Response:
    method = "DELETE" if path == "delete" else "POST"
    body = {"dockerRepository": "multi", "tag": tag}
    return requests.request(method, f"{server.url}{API}/{path}", json=body, auth=ADMIN, timeout=30)


def test_version_document_names_the_version(start_server: StartServer) -> None:
    """GET /artifactory/api/system/version answers the version started as; by default the current one."""
    servers = {versions.CURRENT: start_server(name="now"), "7.90.0": started_as(start_server, "7.90.0")}
    for version, server in servers.items():
        answer = requests.get(f"{server.url}/artifactory/api/system/version", timeout=30)
        assert answer.json()["version"] == version


@pytest.mark.parametrize("version", ["7.90", "seven", "6.20.0"])
def test_a_version_it_cannot_be_is_refused(tmp_path: Path, version: str) -> None:
    command = [sys.executable, "-m", "refregistry", "serve", "--data", str(tmp_path), "--artifactory-version", version]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--artifactory-version" in done.stderr


def test_each_change_takes_effect_from_its_version() -> None:
    """Just before a change the policy has its older fields; from it on, the current ones."""
    for change in versions.CHANGES:
        major, minor, patch = versions.parse(change.since)
        before = versions.policy_for(f"{major}.{minor - 1}.{patch}")
        assert all(getattr(before, key) != getattr(Policy(), key) for key in change.before), change.since
    assert versions.policy_for(versions.CURRENT) == Policy()


def test_apis_newer_than_the_version_answer_as_unknown_routes(start_server: StartServer) -> None:
    """Before 7.91.0 no multi-arch delete API, before 7.119.0 no parentManifests: an unknown route's 404."""
    server = started_as(start_server, "7.90.0")
    registry = RegistryClient(server.url, "/v2/docker-local/", ADMIN)
    registry.push(images.index([images.image("a")], oci=False), "multi", "1").raise_for_status()
    unknown = requests.post(f"{server.url}{API}/noSuchApi", json={}, auth=ADMIN, timeout=30).json()["errors"][0]
    for path in ("delete", "parentManifests"):
        answer = multiarch(server, path)
        error = answer.json()["errors"][0]
        assert (answer.status_code, error["code"]) == (404, unknown["code"]), path
        assert error["message"].startswith("no route for")
    usage_path = f"{server.url}/artifactory/api/v2/docker-local/parentManifests"  # the documented Usage form
    assert (
        requests.post(usage_path, json={"dockerRepository": "multi", "tag": "1"}, auth=ADMIN, timeout=30).status_code
        == 404
    )
    assert registry.digest_of("multi", "1") is not None


def test_faults_bend_the_versions_rules_and_a_reset_keeps_them(start_server: StartServer) -> None:
    """Switching faults or resetting over fault control leaves the version's rules in place."""
    server = started_as(start_server, "7.90.0")
    AdminClient(server.url, ADMIN).reset_with_faults(["unsorted-tags"])
    assert multiarch(server, "delete").status_code == 404


def test_before_7_118_0_multiarch_delete_takes_shared_parts(start_server: StartServer) -> None:
    """A platform manifest tagged on its own goes with the list, as the seed's warning says."""
    server = started_as(start_server, "7.117.0")
    registry = RegistryClient(server.url, "/v2/docker-local/", ADMIN)
    amd = images.image("amd")
    registry.push(images.index([amd, images.image("arm", platform="linux/arm64")], oci=False), "multi", "1")
    registry.put_manifest("multi", "amd64", amd.manifest).raise_for_status()
    assert multiarch(server, "delete").status_code == 200
    assert registry.digest_of("multi", "amd64") is None


def test_before_7_94_1_promotion_takes_any_target_tag(start_server: StartServer) -> None:
    server = started_as(start_server, "7.94.0")
    registry = RegistryClient(server.url, "/v2/docker-local/", ADMIN)
    registry.push(images.image("app"), "app", "1").raise_for_status()
    body = {"targetRepo": "docker-prod-local", "dockerRepository": "app", "tag": "1", "targetTag": "-not-a-tag"}
    answer = requests.post(f"{server.url}{API}/promote", json=body, auth=ADMIN, timeout=30)
    assert answer.status_code == 200


@pytest.mark.parametrize(("version", "kept"), [("7.75.2", True), ("7.75.3", False)])
def test_retention_removes_layers_from_7_75_3(start_server: StartServer, version: str, kept: bool) -> None:
    """Max Unique Tags 1: the evicted tag's own layer stays in the repository before 7.75.3 only."""
    server = started_as(start_server, version, RETENTION)
    registry = RegistryClient(server.url, "/v2/docker-local/", ADMIN)
    first = images.image("first")
    registry.push(first, "app", "1").raise_for_status()
    registry.push(images.image("second"), "app", "2").raise_for_status()
    assert registry.digest_of("app", "1") is None
    assert registry.has_blob("app", first.layers[-1].digest) is kept

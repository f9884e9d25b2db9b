"""Answers in the shapes Artifactory's REST documentation gives: Get Repositories, HEAD ping, parentManifests."""

from __future__ import annotations

import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, StartServer

PROXIED = {"X-JFrog-Override-Base-Url": "https://art.example/artifactory"}


def test_get_repositories_entries_carry_url_and_description(start_server: StartServer) -> None:
    """Workflow: each entry is key, type, description, url, packageType; type and packageType filter."""
    remote = {"docker-remote": {"url": "https://upstream.example"}}
    server = start_server({"users": {"admin": {"password": "password", "admin": True}}, "remoteRepositories": remote})
    url = f"{server.url}/artifactory/api/repositories"
    listed = requests.get(url, auth=ADMIN, headers=PROXIED, timeout=30).json()
    assert listed[0] == {
        "key": "docker-local",
        "type": "LOCAL",
        "description": "",
        "url": "https://art.example/artifactory/docker-local",
        "packageType": "Docker",
    }
    remotes = requests.get(url, params={"type": "remote"}, auth=ADMIN, timeout=30).json()
    assert [(r["key"], r["url"]) for r in remotes] == [("docker-remote", "https://upstream.example")]
    assert len(requests.get(url, params={"packageType": "docker"}, auth=ADMIN, timeout=30).json()) == len(listed)
    assert requests.get(url, params={"packageType": "maven"}, auth=ADMIN, timeout=30).json() == []


def test_head_ping_answers_as_get_without_a_body(server: RefRegistryProcess) -> None:
    """Workflow: curl -I /api/system/ping is 200 with GET's headers and no body."""
    url = f"{server.url}/artifactory/api/system/ping"
    got, head = requests.get(url, timeout=30), requests.head(url, timeout=30)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers["Content-Length"] == got.headers["Content-Length"] == "2"


def test_parent_manifests_answer_at_the_documented_usage_path(
    server: RefRegistryProcess, registry: RegistryClient
) -> None:
    """Workflow: POST /api/v2/<repo>/parentManifests answers as the curl sample's path does."""
    member = images.image("member")
    registry.push(member, "base", "1").raise_for_status()
    listing = images.index([member], oci=False)
    registry.push(listing, "multi", "latest").raise_for_status()
    body = {"dockerRepository": "base", "tag": "1"}
    answers = [
        requests.post(f"{server.url}{path}", json=body, auth=ADMIN, timeout=30).json()
        for path in (
            "/artifactory/api/v2/docker-local/parentManifests",
            "/artifactory/api/docker/docker-local/v2/parentManifests",
        )
    ]
    assert (
        answers[0]
        == answers[1]
        == {"parentManifestLists": [{"dockerRepository": "multi", "digest": listing.digest, "tags": ["latest"]}]}
    )
    reader = requests.post(
        f"{server.url}/artifactory/api/v2/docker-prod-local/parentManifests", json=body, auth=None, timeout=30
    )
    assert reader.status_code == 401

"""Probes of the fault catalogue for virtual and remote repositories (see fault_probes.py)."""

from __future__ import annotations

import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN
from tests.fault_probes import IMAGE, admin, probe

VIRTUAL = {
    "users": {"admin": {"password": "password", "admin": True}},
    "virtualRepositories": {
        "docker-virtual": {
            "repositories": ["docker-local", "docker-dev-local"],
            "defaultDeploymentRepo": "docker-dev-local",
        },
        "docker-newest": {"repositories": ["docker-local", "docker-dev-local"], "resolveDockerTagsByTimestamp": True},
    },
}


def in_repo(server: RefRegistryProcess, repo: str) -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", ADMIN)


@probe("virtual-wrong-order", config=VIRTUAL)
def virtual_resolves_the_first_member_first(server: RefRegistryProcess) -> None:
    first = images.image("first")
    in_repo(server, "docker-local").push(first, "app", "1").raise_for_status()
    in_repo(server, "docker-dev-local").push(images.image("second"), "app", "1").raise_for_status()
    assert in_repo(server, "docker-virtual").digest_of("app", "1") == first.digest


@probe("virtual-first-member-only", config=VIRTUAL)
def virtual_reads_every_member(server: RefRegistryProcess) -> None:
    image = images.image("second-only")
    in_repo(server, "docker-dev-local").push(image, "app", "1").raise_for_status()
    assert in_repo(server, "docker-virtual").digest_of("app", "1") == image.digest


@probe("virtual-ignores-default-deployment", config=VIRTUAL)
def virtual_deploys_to_the_default(server: RefRegistryProcess) -> None:
    image = images.image("deployed")
    in_repo(server, "docker-virtual").push(image, "app", "1").raise_for_status()
    assert in_repo(server, "docker-dev-local").digest_of("app", "1") == image.digest


@probe("virtual-ignores-timestamps", config=VIRTUAL)
def virtual_by_timestamp_serves_the_newest_push(server: RefRegistryProcess) -> None:
    newer = images.image("newer")
    in_repo(server, "docker-local").push(images.image("older"), "app", "1").raise_for_status()
    in_repo(server, "docker-dev-local").push(newer, "app", "1").raise_for_status()
    assert in_repo(server, "docker-newest").digest_of("app", "1") == newer.digest


def remote_of_itself(server: RefRegistryProcess) -> RegistryClient:
    """A remote repository, created over REST, caching the server's own docker-local."""
    body: dict[str, object] = {"rclass": "remote", "url": f"{server.url}/artifactory/api/docker/docker-local"}
    body["username"] = "admin"
    body |= {"password": "password", "retrievalCachePeriodSecs": 0}
    requests.put(f"{server.url}/artifactory/api/repositories/self-remote", json=body, auth=ADMIN, timeout=30)
    return RegistryClient(server.url, "/v2/self-remote/", ADMIN)


@probe("remote-no-offline-cache")
def remote_serves_its_cache_when_upstream_is_gone(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    cache = remote_of_itself(server)
    assert cache.digest_of("app", "1") == IMAGE.digest
    gone = {"url": "http://127.0.0.1:9"}  # the discard port: nothing listens
    requests.post(f"{server.url}/artifactory/api/repositories/self-remote", json=gone, auth=ADMIN, timeout=30)
    assert cache.digest_of("app", "1") == IMAGE.digest


@probe("remote-never-revalidates")
def remote_sees_a_tag_moved_upstream(server: RefRegistryProcess) -> None:
    moved = images.image("moved")
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    cache = remote_of_itself(server)
    assert cache.digest_of("app", "1") == IMAGE.digest
    admin(server).push(moved, "app", "1").raise_for_status()
    assert cache.digest_of("app", "1") == moved.digest


@probe("remote-accepts-push")
def remote_refuses_pushes(server: RefRegistryProcess) -> None:
    assert remote_of_itself(server).upload("app", images.layer("x")).status_code == 403

"""The promote API at HTTP level: lists with their members, properties, permissions, refusals in Artifactory's shape."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN

PROMOTE = "/artifactory/api/docker/docker-local/v2/promote"


def promote(server: RefRegistryProcess, body: object, auth: tuple[str, str] = ADMIN) -> requests.Response:
    return requests.post(f"{server.url}{PROMOTE}", json=body, auth=auth, timeout=30)


def in_repo(server: RefRegistryProcess, repo: str) -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", ADMIN)


def test_list_moves_with_its_platform_manifests(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Moving a manifest list moves its members too; nothing of it stays in the source."""
    arm, amd = images.image("arm", platform="linux/arm64/v8"), images.image("amd")
    listing = images.index([amd, arm], oci=False)
    registry.push(listing, "multi", "1").raise_for_status()
    answer = promote(server, {"targetRepo": "docker-prod-local", "dockerRepository": "multi", "tag": "1"})
    assert (answer.status_code, answer.text) == (200, "Promotion ended successfully")
    prod = in_repo(server, "docker-prod-local")
    assert prod.digest_of("multi", "1") == listing.digest
    assert all(prod.digest_of("multi", i.digest) == i.digest for i in (amd, arm))
    assert registry.manifest("multi", arm.digest).status_code == 404


def test_promoted_item_carries_its_properties(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Labels travel; docker.manifest and docker.repoName name the target tag and image."""
    registry.push(images.image("p", labels={"team": "qa"}), "app", "rc").raise_for_status()
    body = {"targetRepo": "docker-prod-local", "dockerRepository": "app", "targetDockerRepository": "svc/app"}
    promote(server, {**body, "tag": "rc", "targetTag": "1.0", "copy": True}).raise_for_status()
    url = f"{server.url}/artifactory/api/storage/docker-prod-local/svc/app/1.0/manifest.json?properties"
    props = requests.get(url, auth=ADMIN, timeout=30).json()["properties"]
    assert (props["docker.label.team"], props["docker.manifest"], props["docker.repoName"]) == (
        ["qa"],
        ["1.0"],
        ["svc/app"],
    )


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"dockerRepository": "app"}, 400, "'targetRepo' is required"),
        ({"targetRepo": "nope-local", "dockerRepository": "app"}, 404, "Target repository 'nope-local' does not exist"),
        ({"targetRepo": "docker-prod-local", "dockerRepository": "missing"}, 404, "Unable to find image 'missing'"),
        ({"targetRepo": "docker-prod-local", "dockerRepository": "app", "targetTag": "x"}, 400, "needs 'tag'"),
        ({"targetRepo": "docker-prod-local", "dockerRepository": "app", "colour": 1}, 400, "unknown field 'colour'"),
        ({"targetRepo": "docker-local", "dockerRepository": "app", "tag": "1"}, 400, "source and target are the same"),
        (["not", "an", "object"], 400, "must be a JSON object"),
    ],
)
def test_refusals_are_precise_and_change_nothing(
    server: RefRegistryProcess, registry: RegistryClient, body: object, status: int, message: str
) -> None:
    """Each refusal is a 4xx in Artifactory's error shape; the source tag is untouched."""
    image = images.image("keep")
    registry.push(image, "app", "1").raise_for_status()
    answer = promote(server, body)
    assert answer.status_code == status
    error = answer.json()["errors"][0]
    assert error["status"] == status and message in error["message"]
    assert registry.digest_of("app", "1") == image.digest


def test_promotion_needs_deploy_on_the_target(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """The deployer (read and deploy on docker-local only) may not deploy to another repository."""
    registry.push(images.image("d"), "app", "1").raise_for_status()
    body = {"targetRepo": "docker-prod-local", "dockerRepository": "app", "tag": "1", "copy": True}
    assert promote(server, body, auth=("deployer", "deployer-pw")).status_code == 403

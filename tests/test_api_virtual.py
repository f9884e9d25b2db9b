"""Virtual repositories at HTTP level: resolution order, timestamps, deployment, merged listings, config errors."""

from __future__ import annotations

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.config import ConfigError
from refregistry.configfile import parse_config
from tests.conftest import ADMIN, StartServer

MEMBERS = ["docker-local", "docker-dev-local"]
CONFIG = {
    "users": {"admin": {"password": "password", "admin": True}, "dev": {"password": "dev-pw"}},
    "localRepositories": {"docker-local": {}, "docker-dev-local": {}},
    "virtualRepositories": {
        "docker-virtual": {"repositories": MEMBERS, "defaultDeploymentRepo": "docker-dev-local"},
        "docker-newest": {"repositories": MEMBERS, "resolveDockerTagsByTimestamp": True},
    },
    "permissions": [{"user": "dev", "repositories": ["docker-virtual", "docker-local"], "actions": ["read"]}],
}


@pytest.fixture
def rr(start_server: StartServer) -> RefRegistryProcess:
    return start_server(CONFIG)


def client(server: RefRegistryProcess, repo: str, auth: tuple[str, str] = ADMIN) -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", auth)


def test_members_resolve_in_order_or_by_timestamp(rr: RefRegistryProcess) -> None:
    """The same tag in both members: the first member wins, or the newest push with timestamps on."""
    older, newer = images.image("older"), images.image("newer")
    client(rr, "docker-local").push(older, "app", "1").raise_for_status()
    client(rr, "docker-dev-local").push(newer, "app", "1").raise_for_status()
    assert client(rr, "docker-virtual").digest_of("app", "1") == older.digest
    assert client(rr, "docker-newest").digest_of("app", "1") == newer.digest


def test_push_lands_in_the_default_deployment_repository(rr: RefRegistryProcess) -> None:
    """A push through the virtual key is stored in defaultDeploymentRepo and readable through both."""
    image = images.image("deployed")
    answer = client(rr, "docker-virtual").push(image, "app", "2")
    assert answer.status_code == 201
    assert answer.headers["Location"].startswith(f"{rr.url}/v2/docker-virtual/app/manifests/")
    assert client(rr, "docker-dev-local").digest_of("app", "2") == image.digest
    assert client(rr, "docker-local").digest_of("app", "2") is None


def test_push_without_a_default_deployment_is_denied(rr: RefRegistryProcess) -> None:
    """A virtual repository with no defaultDeploymentRepo refuses pushes with DENIED."""
    answer = client(rr, "docker-newest").upload("app", images.layer("x"))
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == "DENIED"


def test_listings_merge_the_members(rr: RefRegistryProcess) -> None:
    """tags/list and the repository's _catalog list what every member holds, once, sorted."""
    client(rr, "docker-local").push(images.image("a"), "app", "a").raise_for_status()
    client(rr, "docker-dev-local").push(images.image("b"), "app", "b").raise_for_status()
    client(rr, "docker-dev-local").push(images.image("c"), "other", "1").raise_for_status()
    virtual = client(rr, "docker-virtual")
    assert virtual.tags("app").json() == {"name": "docker-virtual/app", "tags": ["a", "b"]}
    catalog = virtual.request("GET", "/artifactory/api/docker/docker-virtual/v2/_catalog").json()
    assert catalog == {"repositories": ["app", "other"]}


def test_blob_of_the_second_member_is_served(rr: RefRegistryProcess) -> None:
    """A manifest and its layer held only by the second member are pulled through the virtual key."""
    image = images.image("second")
    client(rr, "docker-dev-local").push(image, "app", "1").raise_for_status()
    virtual = client(rr, "docker-virtual")
    assert virtual.manifest("app", image.digest).status_code == 200
    assert virtual.request("GET", f"app/blobs/{image.layers[0].digest}").content == image.layers[0].data


def test_member_permissions_still_apply(rr: RefRegistryProcess) -> None:
    """Reading the virtual key does not open a member the user may not read."""
    client(rr, "docker-dev-local").push(images.image("hidden"), "app", "1").raise_for_status()
    assert client(rr, "docker-virtual", ("dev", "dev-pw")).manifest("app", "1").status_code == 403


@pytest.mark.parametrize(
    ("virtual", "message"),
    [
        ({"repositories": ["nope-local"]}, "a list of local repository keys is required"),
        ({"repositories": MEMBERS, "defaultDeploymentRepo": "docker-prod-local"}, "must be one of its repositories"),
        ({"repositories": MEMBERS, "order": 1}, "unknown key 'order'"),
    ],
)
def test_config_mistakes_are_one_line(virtual: dict, message: str) -> None:
    """A wrong virtual repository is a ConfigError naming the key at fault."""
    with pytest.raises(ConfigError, match=message):
        parse_config({"virtualRepositories": {"docker-virtual": virtual}})

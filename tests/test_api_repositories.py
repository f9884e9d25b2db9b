"""The repository configuration REST API: list, show, create, update, delete; admins only; the
changes take effect at once and survive a restart; mistakes are one precise 400."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer

REPOS = "/artifactory/api/repositories"


def call(server: RefRegistryProcess, method: str, path: str = "", auth: tuple[str, str] = ADMIN, **kw: object):
    return requests.request(method, f"{server.url}{REPOS}{path}", auth=auth, timeout=30, **kw)  # type: ignore[arg-type]  # requests' stubs type **kwargs narrower than object


@pytest.fixture
def rr(start_server: StartServer) -> RefRegistryProcess:
    return start_server(PERMISSIONS_CONFIG)


def test_list_and_show_use_artifactory_field_names(rr: RefRegistryProcess) -> None:
    """GET lists every repository with its type; GET of one shows its settings with their defaults."""
    listed = call(rr, "GET").json()
    assert {"key": "docker-local", "type": "LOCAL", "packageType": "Docker"}.items() <= listed[0].items()
    assert call(rr, "GET", "?type=remote").json() == []
    shown = call(rr, "GET", "/docker-local").json()
    assert shown == {
        "key": "docker-local",
        "rclass": "local",
        "packageType": "docker",
        "dockerApiVersion": "V2",
        "maxUniqueTags": 0,
        "dockerTagRetention": 1,
        "blockPushingSchema1": True,
    }
    missing = call(rr, "GET", "/nope")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["message"] == "Repository 'nope' does not exist"


def test_create_update_and_delete_take_effect_at_once(rr: RefRegistryProcess) -> None:
    """A repository created over REST takes pushes; an update changes its retention; delete removes it."""
    created = call(rr, "PUT", "/team-local", json={"key": "team-local", "rclass": "local", "packageType": "docker"})
    assert (created.status_code, created.text) == (200, "Successfully created repository 'team-local'")
    team = RegistryClient(rr.url, "/v2/team-local/", ADMIN)
    for tag in ("1", "2"):
        team.push(images.image(f"team-{tag}"), "app", tag).raise_for_status()
    assert call(rr, "POST", "/team-local", json={"maxUniqueTags": 1}).status_code == 200
    assert call(rr, "GET", "/team-local").json()["maxUniqueTags"] == 1
    team.push(images.image("team-3"), "app", "3").raise_for_status()
    assert team.tags("app").json()["tags"] == ["3"]
    gone = call(rr, "DELETE", "/team-local")
    assert gone.text == "Repository 'team-local' and all its content have been removed successfully."
    assert team.tags("app").status_code == 404
    call(rr, "PUT", "/team-local", json={"rclass": "local"}).raise_for_status()
    assert team.tags("app").status_code == 404, "a re-created key must not resurrect the old content"


def test_changes_survive_a_restart(start_server: StartServer) -> None:
    """A repository created over REST is still there after the server restarts on the same data."""
    server = start_server(PERMISSIONS_CONFIG, name="first")
    body = {"rclass": "remote", "url": "http://127.0.0.1:9/", "retrievalCachePeriodSecs": 60, "password": "s3cret"}
    call(server, "PUT", "/cache-remote", json=body).raise_for_status()
    server.stop()
    server.start()
    shown = call(server, "GET", "/cache-remote").json()
    assert (shown["rclass"], shown["url"], shown["retrievalCachePeriodSecs"]) == ("remote", "http://127.0.0.1:9", 60)
    assert "password" not in shown


@pytest.mark.parametrize(
    ("method", "key", "body", "status", "message"),
    [
        ("PUT", "docker-local", {"rclass": "local"}, 400, "Case insensitive repository key already exists"),
        ("PUT", "new-local", {"rclass": "other"}, 400, "'rclass' must be one of local, remote, virtual"),
        ("PUT", "new-local", {"rclass": "local", "packageType": "maven"}, 400, "only docker repositories"),
        ("PUT", "new-local", {"rclass": "local", "maxUniqueTags": -1}, 400, "maxUniqueTags must be >= 0"),
        ("PUT", "new-local", {"rclass": "local", "maxUniqeTags": 3}, 400, "unknown key 'maxUniqeTags'"),
        ("PUT", "Bad_Key", {"rclass": "local"}, 400, "invalid repository key"),
        ("PUT", "new-virtual", {"rclass": "virtual", "repositories": ["nope"]}, 400, "local repository keys"),
        ("POST", "docker-local", {"rclass": "remote"}, 400, "its rclass cannot change"),
        ("POST", "docker-local", {"key": "other"}, 400, "is not the key in the URL"),
        ("POST", "nope", {"maxUniqueTags": 1}, 404, "Repository 'nope' does not exist"),
        ("POST", "docker-local", ["not", "an", "object"], 400, "must be a JSON object"),
        ("DELETE", "nope", None, 404, "Repository 'nope' does not exist"),
    ],
)
def test_mistakes_are_one_precise_error(
    rr: RefRegistryProcess, method: str, key: str, body: object, status: int, message: str
) -> None:
    """Each mistake answers its status and names what is wrong; nothing changes."""
    before = call(rr, "GET").json()
    answer = call(rr, method, f"/{key}", json=body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["errors"][0]["message"]
    assert call(rr, "GET").json() == before


def test_only_admins_change_repositories(rr: RefRegistryProcess) -> None:
    """A reader can list; a change needs an admin (403), and a signed-in user (401 anonymously)."""
    reader = ("reader", "reader-pw")
    assert call(rr, "GET", auth=reader).status_code == 200
    denied = call(rr, "PUT", "/mine-local", auth=reader, json={"rclass": "local"})
    assert (denied.status_code, denied.json()["errors"][0]["message"]) == (403, "changing repositories needs an admin")
    assert requests.put(f"{rr.url}{REPOS}/mine-local", json={"rclass": "local"}, timeout=30).status_code == 401
    assert call(rr, "GET", "/mine-local").status_code == 404


def test_a_virtual_member_cannot_be_deleted(start_server: StartServer) -> None:
    """Deleting a repository a virtual one resolves through is refused, naming the virtual one."""
    server = start_server(PERMISSIONS_CONFIG)
    body = {"rclass": "virtual", "repositories": ["docker-local"], "defaultDeploymentRepo": "docker-local"}
    call(server, "PUT", "/all-virtual", json=body).raise_for_status()
    refused = call(server, "DELETE", "/docker-local")
    assert refused.status_code == 400
    assert "member of virtual repository 'all-virtual'" in refused.json()["errors"][0]["message"]

"""Fault control (``serve --fault-control``): an admin switches faults and resets content at run time."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer

FAULTS = "/artifactory/api/refregistry/faults"
RESET = "/artifactory/api/refregistry/reset"
PING = "/artifactory/api/system/ping"


@pytest.fixture
def controlled(start_server: StartServer) -> RefRegistryProcess:
    return start_server(PERMISSIONS_CONFIG, extra=("--fault-control",))


def switch(server: RefRegistryProcess, *names: str, auth: tuple[str, str] = ADMIN) -> requests.Response:
    return requests.put(server.url + FAULTS, json={"faults": list(names)}, auth=auth, timeout=10)


def test_without_the_flag_there_is_no_door(server: RefRegistryProcess) -> None:
    """A server started without --fault-control answers 404 on the control routes, even to an admin."""
    assert switch(server, "ping-not-ok").status_code == 404
    assert requests.post(server.url + RESET, auth=ADMIN, timeout=10).status_code == 404


@pytest.mark.parametrize(("auth", "status"), [(("reader", "reader-pw"), 403), (("nobody", "x"), 401)])
def test_only_an_admin_may_switch(controlled: RefRegistryProcess, auth: tuple[str, str], status: int) -> None:
    """A signed-in non-admin is denied and a stranger unauthorized; the fault set stays empty."""
    assert switch(controlled, "ping-not-ok", auth=auth).status_code == status
    assert requests.post(controlled.url + RESET, auth=auth, timeout=10).status_code == status
    assert requests.get(controlled.url + FAULTS, auth=ADMIN, timeout=10).json() == {"faults": []}


def test_a_switched_fault_takes_effect_and_switches_off(controlled: RefRegistryProcess) -> None:
    """ping-not-ok on: the ping fails; the set replaced by an empty one: it answers OK again."""
    assert switch(controlled, "ping-not-ok").json() == {"faults": ["ping-not-ok"]}
    assert requests.get(controlled.url + PING, timeout=10).text != "OK"
    assert switch(controlled).json() == {"faults": []}
    assert requests.get(controlled.url + PING, timeout=10).text == "OK"


def test_faults_set_at_start_take_effect_too(controlled: RefRegistryProcess) -> None:
    """any-password, which the authenticator used to read once at start, follows a switch."""
    wrong = ("admin", "not-the-password")
    assert requests.get(controlled.url + "/v2/", auth=wrong, timeout=10).status_code == 401
    switch(controlled, "any-password").raise_for_status()
    assert requests.get(controlled.url + "/v2/", auth=wrong, timeout=10).status_code == 200


@pytest.mark.parametrize("body", [{"faults": ["no-such-fault"]}, {"faults": "ping-not-ok"}, {"fault": []}, [1]])
def test_a_bad_switch_changes_nothing(controlled: RefRegistryProcess, body: object) -> None:
    """An unknown name or a malformed body is a 400 and the set stays as it was."""
    switch(controlled, "no-range").raise_for_status()
    answer = requests.put(controlled.url + FAULTS, json=body, auth=ADMIN, timeout=10)
    assert (answer.status_code, error_code(answer)) == (400, None)
    assert requests.get(controlled.url + FAULTS, auth=ADMIN, timeout=10).json() == {"faults": ["no-range"]}


def test_reset_forgets_content_and_repository_changes(controlled: RefRegistryProcess) -> None:
    """After a reset nothing pushed is left and a repository changed over the REST API is as configured."""
    registry = RegistryClient(controlled.url, "/v2/docker-local/", ADMIN)
    image = images.image("reset")
    registry.push(image, "app", "1").raise_for_status()
    repo = controlled.url + "/artifactory/api/repositories/docker-local"
    requests.post(repo, json={"maxUniqueTags": 7}, auth=ADMIN, timeout=10).raise_for_status()
    switch(controlled, "unsorted-tags").raise_for_status()

    assert requests.post(controlled.url + RESET, auth=ADMIN, timeout=10).json()["faults"] == ["unsorted-tags"]
    assert registry.manifest("app", image.digest).status_code == 404
    assert not registry.has_blob("app", image.layers[0].digest)
    assert requests.get(repo, auth=ADMIN, timeout=10).json().get("maxUniqueTags", 0) == 0
    registry.push(image, "app", "1").raise_for_status()  # and it takes pushes as before
    assert registry.digest_of("app", "1") == image.digest

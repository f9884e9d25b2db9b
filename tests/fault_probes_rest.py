"""Probes of the fault catalogue for copy/move, AQL, HEAD ping and parentManifests' path (see fault_probes.py)."""

from __future__ import annotations

import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN
from tests.fault_probes import admin, probe


@probe("copy-leaves-target-unpullable")
def copied_image_pulls_from_the_target(server: RefRegistryProcess) -> None:
    image = images.image("copied")
    admin(server).push(image, "app", "1").raise_for_status()
    url = f"{server.url}/artifactory/api/copy/docker-local/app"
    requests.post(url, params={"to": "/docker-prod-local/app"}, auth=ADMIN, timeout=30).raise_for_status()
    prod = RegistryClient(server.url, "/v2/docker-prod-local/", ADMIN)
    assert all(prod.blob("app", b.digest).status_code == 200 for b in image.blobs)


@probe("aql-ignores-property-criteria")
def aql_selects_by_property(server: RefRegistryProcess) -> None:
    reg = admin(server)
    for tag, team in (("1", "a"), ("2", "b")):
        reg.push(images.image(team, labels={"team": team}), "app", tag).raise_for_status()
    query = 'items.find({"repo":"docker-local","@docker.label.team":"b"})'
    answer = requests.post(f"{server.url}/artifactory/api/search/aql", data=query, auth=ADMIN, timeout=30)
    assert [r["path"] for r in answer.json()["results"]] == ["app/2"]


@probe("aql-sort-reversed")
def aql_sorts_ascending(server: RefRegistryProcess) -> None:
    reg = admin(server)
    for tag in ("1", "2"):
        reg.push(images.image(f"sorted-{tag}"), "app", tag).raise_for_status()
    query = 'items.find({"repo":"docker-local","name":"manifest.json"}).sort({"$asc":["path"]})'
    answer = requests.post(f"{server.url}/artifactory/api/search/aql", data=query, auth=ADMIN, timeout=30)
    assert [r["path"] for r in answer.json()["results"]] == ["app/1", "app/2"]


@probe("head-ping-404")
def head_ping_answers_200(server: RefRegistryProcess) -> None:
    assert requests.head(f"{server.url}/artifactory/api/system/ping", timeout=30).status_code == 200


@probe("parent-lists-usage-path-404")
def parent_lists_answer_at_the_usage_path(server: RefRegistryProcess) -> None:
    member = images.image("member")
    admin(server).push(member, "base", "1").raise_for_status()
    url = f"{server.url}/artifactory/api/v2/docker-local/parentManifests"
    answer = requests.post(url, json={"dockerRepository": "base", "tag": "1"}, auth=ADMIN, timeout=30)
    assert answer.status_code == 200

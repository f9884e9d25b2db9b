"""The multi-arch delete and parent-lists APIs at HTTP level: bodies, refusals, what stays."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN

API = "/artifactory/api/docker/docker-local/v2"


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "delete"), ("POST", "parentManifests")], ids=["delete", "parentManifests"]
)
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"dockerRepository": "multi"}', 400),
        (b'{"dockerRepository": "multi", "tag": 1}', 400),
        (b'{"dockerRepository": "../etc", "tag": "1"}', 400),
        (b'{"dockerRepository": "multi", "tag": "nope"}', 404),
    ],
    ids=["not-json", "no-tag", "tag-not-string", "bad-name", "unknown-tag"],
)
def test_bad_bodies_are_refused_and_change_nothing(
    server: RefRegistryProcess, registry: RegistryClient, method: str, path: str, body: bytes, status: int
) -> None:
    """Each refusal is a precise 4xx in Artifactory's error shape; the list stays."""
    listing = images.index([images.image("a"), images.image("b", platform="linux/arm64")], oci=False)
    registry.push(listing, "multi", "1").raise_for_status()
    answer = requests.request(method, f"{server.url}{API}/{path}", data=body, auth=ADMIN, timeout=30)
    assert answer.status_code == status
    assert answer.json()["errors"][0]["status"] == status
    assert registry.digest_of("multi", "1") == listing.digest


def test_delete_needs_delete_permission(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """A reader is refused with 403 and the list stays."""
    listing = images.index([images.image("a")], oci=False)
    registry.push(listing, "multi", "1").raise_for_status()
    body = {"dockerRepository": "multi", "tag": "1"}
    answer = requests.delete(f"{server.url}{API}/delete", json=body, auth=("reader", "reader-pw"), timeout=30)
    assert answer.status_code == 403
    assert registry.digest_of("multi", "1") == listing.digest


def test_parent_lists_across_images_of_the_repository(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """A manifest held by lists of two images is reported once per list, with each list's tags."""
    shared = images.image("shared")
    registry.push(shared, "base", "1").raise_for_status()
    for image in ("one", "two"):
        registry.push(images.index([shared], oci=False), image, "latest").raise_for_status()
    answer = requests.post(
        f"{server.url}{API}/parentManifests", json={"dockerRepository": "base", "tag": "1"}, auth=ADMIN, timeout=30
    )
    found = answer.json()["parentManifestLists"]
    assert [(f["dockerRepository"], f["tags"]) for f in found] == [("one", ["latest"]), ("two", ["latest"])]

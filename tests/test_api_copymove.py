"""Copy and move of Docker folders at HTTP level: where the image lands, what the answer says, refusals."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN

IMAGE = images.image("copied", layers=2)


def transfer(
    server: RefRegistryProcess, verb: str, source: str, to: str, auth: tuple[str, str] = ADMIN, **flags: str
) -> requests.Response:
    url = f"{server.url}/artifactory/api/{verb}/{source}"
    return requests.post(url, params={"to": to, **flags}, auth=auth, timeout=30)


def in_repo(server: RefRegistryProcess, repo: str) -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", ADMIN)


def pulls(client: RegistryClient, name: str, tag: str, image: images.Image = IMAGE) -> bool:
    """The manifest and every blob of ``name:tag`` answer, and it is ``image``."""
    if client.digest_of(name, tag) != image.digest:
        return False
    return all(client.blob(name, b.digest).content == b.data for b in image.blobs)


def test_copy_an_image_folder_to_a_new_path(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: copying docker-local/app to /docker-prod-local/team/app makes team/app pullable there."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    registry.push(IMAGE, "app", "2").raise_for_status()
    answer = transfer(server, "copy", "docker-local/app", "/docker-prod-local/team/app")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/vnd.org.jfrog.artifactory.storage.CopyOrMoveResult")
    assert answer.json() == {
        "messages": [
            {
                "level": "INFO",
                "message": "copying docker-local:app to docker-prod-local:team/app completed successfully, "
                "8 artifacts and 3 folders were copied",
            }
        ]
    }
    prod = in_repo(server, "docker-prod-local")
    assert pulls(prod, "team/app", "1") and pulls(prod, "team/app", "2")
    assert pulls(registry, "app", "1"), "a copy left the source"


def test_move_a_tag_folder_into_an_existing_image(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: a tag folder moved onto an existing image folder keeps its name; the source tag is gone."""
    other = images.image("other")
    registry.push(IMAGE, "app", "1").raise_for_status()
    prod = in_repo(server, "docker-prod-local")
    prod.push(other, "app", "0").raise_for_status()
    answer = transfer(server, "move", "docker-local/app/1", "docker-prod-local/app")
    assert "moving docker-local:app/1 to docker-prod-local:app" in answer.json()["messages"][0]["message"]
    assert pulls(prod, "app", "1") and pulls(prod, "app", "0", other)
    assert registry.digest_of("app", "1") is None
    assert registry.manifest("app", IMAGE.digest).status_code == 404


def test_tag_folder_renamed_and_list_with_members(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: a tag folder copied to a new name is that tag; a list travels with its platform manifests."""
    listing = images.index([images.image("amd"), images.image("arm", platform="linux/arm64")], oci=False)
    registry.push(listing, "multi", "1").raise_for_status()
    transfer(server, "copy", "docker-local/multi/1", "/docker-prod-local/multi/stable").raise_for_status()
    prod = in_repo(server, "docker-prod-local")
    assert prod.digest_of("multi", "stable") == listing.digest
    assert all(prod.digest_of("multi", i.digest) == i.digest for i in listing.images)


def test_dry_run_changes_nothing(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: dry=1 answers what it would do, and neither source nor target changes."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    answer = transfer(server, "move", "docker-local/app", "/docker-prod-local/app", dry="1", failFast="1")
    assert answer.status_code == 200 and "were moved" in answer.text
    assert in_repo(server, "docker-prod-local").digest_of("app", "1") is None
    assert registry.digest_of("app", "1") == IMAGE.digest


@pytest.mark.parametrize(
    ("source", "to", "auth", "status", "words"),
    [
        ("docker-local/app", "", ADMIN, 400, "'to' is required"),
        ("docker-local/app", "/nope-local/app", ADMIN, 404, "Target repository 'nope-local' does not exist"),
        ("docker-local/missing", "/docker-prod-local/x", ADMIN, 404, "Unable to find item"),
        ("docker-local/app/1/manifest.json", "/docker-prod-local/x", ADMIN, 400, "only folders"),
        ("docker-local/app/1", "/docker-prod-local", ADMIN, 400, "needs an image folder"),
        ("docker-local/app", "/docker-prod-local/Bad Name", ADMIN, 400, "invalid"),
        ("docker-local/app", "/docker-local/app//x", ADMIN, 400, "empty or dot segment"),
        ("docker-local/app/1", "/docker-local/app", ADMIN, 400, "source and target are the same"),
        ("docker-local/app", "/docker-prod-local/app", ("deployer", "deployer-pw"), 403, "may not deploy"),
        ("docker-local/app", "/docker-local/app2", ("deployer", "deployer-pw"), 403, "may not delete"),
    ],
    ids=["no-to", "no-target", "no-source", "file", "no-image", "bad-name", "empty-seg", "same", "deploy", "delete"],
)
def test_refusals_are_precise_and_change_nothing(
    server: RefRegistryProcess,
    registry: RegistryClient,
    source: str,
    to: str,
    auth: tuple[str, str],
    status: int,
    words: str,
) -> None:
    """Workflow: each refusal is a 4xx in Artifactory's error shape; the source stays as it was."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    answer = transfer(server, "move", source, to, auth=auth)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["errors"][0]["message"]
    assert pulls(registry, "app", "1")


def test_bad_flags_are_refused(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: dry, suppressLayouts and failFast take 0 or 1."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    answer = transfer(server, "copy", "docker-local/app", "/docker-prod-local/app", suppressLayouts="maybe")
    assert (answer.status_code, answer.json()["errors"][0]["message"]) == (
        400,
        "'suppressLayouts' is 0 or 1, not 'maybe'",
    )

"""The storage API's folder tree (issue 17 item 3): folders shared by a tag and a nested image, folder deletes."""

from __future__ import annotations

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.test_api_artifactory import rest

APP = images.image("col-app-1")
NESTED = images.image("col-app-1-x")
STORAGE = "/artifactory/api/storage/docker-local"


def children(server: RefRegistryProcess, path: str) -> set[tuple[str, bool]]:
    answer = rest(server, f"{STORAGE}/{path}")
    assert answer.status_code == 200, answer.text
    return {(c["uri"], c["folder"]) for c in answer.json()["children"]}


def push_both(registry: RegistryClient) -> None:
    """Image col/app tag 1, and image col/app/1 tag x: both live in the folder col/app/1."""
    registry.push(APP, "col/app", "1").raise_for_status()
    registry.push(NESTED, "col/app/1", "x").raise_for_status()


def test_a_tag_folder_shared_with_a_nested_image_lists_both(
    server: RefRegistryProcess, registry: RegistryClient
) -> None:
    """Workflow: col/app/1 holds tag 1's manifest.json and layers, and the folder of image col/app/1's tag x."""
    push_both(registry)
    assert children(server, "col/app") == {("/1", True)}
    tag_files = {(f"/{b.digest.replace(':', '__')}", False) for b in APP.blobs}
    assert children(server, "col/app/1") == {("/manifest.json", False), ("/x", True), *tag_files}
    assert children(server, "col/app/1/x") == {
        ("/manifest.json", False),
        *((f"/{b.digest.replace(':', '__')}", False) for b in NESTED.blobs),
    }
    item = rest(server, f"{STORAGE}/col/app/1/manifest.json").json()
    assert item["checksums"]["sha256"] == APP.digest.removeprefix("sha256:")


def test_deleting_the_shared_folder_removes_the_tag_and_the_nested_image(
    server: RefRegistryProcess, registry: RegistryClient
) -> None:
    """Workflow: DELETE /artifactory/docker-local/col/app/1 removes tag 1 of col/app and image col/app/1."""
    push_both(registry)
    registry.push(images.image("col-app-2"), "col/app", "2").raise_for_status()
    assert rest(server, "/artifactory/docker-local/col/app/1", "DELETE").status_code == 204
    registry.manifest("col/app", "1", expect=404)
    registry.tags("col/app/1", expect=404)
    assert registry.tags("col/app").json()["tags"] == ["2"]
    assert children(server, "col/app") == {("/2", True)}


def test_deleting_a_tag_folder_removes_that_tag_only(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: with no image below it, DELETE of a tag folder leaves the image's other tags."""
    registry.push(APP, "col/app", "1").raise_for_status()
    registry.push(APP, "col/app", "2").raise_for_status()
    assert rest(server, "/artifactory/docker-local/col/app/1", "DELETE").status_code == 204
    assert registry.tags("col/app").json()["tags"] == ["2"]
    assert registry.digest_of("col/app", "2") == APP.digest


def test_deleting_a_folder_removes_every_image_below_it(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: DELETE of col removes col/app, col/app/1 and col/other; a sibling folder's image stays."""
    push_both(registry)
    registry.push(images.image("col-other"), "col/other", "1").raise_for_status()
    registry.push(images.image("column"), "column", "1").raise_for_status()
    assert rest(server, "/artifactory/docker-local/col", "DELETE").status_code == 204
    for image in ("col/app", "col/app/1", "col/other"):
        registry.tags(image, expect=404)
    assert registry.tags("column").json()["tags"] == ["1"]
    assert children(server, "") == {("/column", True)}


def test_a_folder_delete_takes_the_properties_below_it(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: a property set on a folder is gone once the folder is deleted and the image pushed again."""
    registry.push(APP, "col/app", "1").raise_for_status()
    assert rest(server, f"{STORAGE}/col?properties=team=a", "PUT").status_code == 204
    assert rest(server, "/artifactory/docker-local/col", "DELETE").status_code == 204
    registry.push(APP, "col/app", "1").raise_for_status()
    assert rest(server, f"{STORAGE}/col?properties").status_code == 404
    assert "team" not in rest(server, f"{STORAGE}/col/app/1/manifest.json?properties").json()["properties"]

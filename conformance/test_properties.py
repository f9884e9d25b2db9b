"""properties: image labels and Docker facts as properties of the manifest item, found by property search."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.probe import INDEXES, ProbeImage
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.stacks.defs import Endpoint

pytestmark = pytest.mark.capability("properties")


def test_labels_and_docker_facts_are_properties(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """The tag's manifest.json carries docker.label.*, docker.manifest*, docker.repoName and sha256."""
    image = images.image(image_name, labels={"org.example.team": "platform", "a:b": "c"})
    registry.push(image, image_name, "1.0").raise_for_status()
    found = admin.properties(endpoint.repo, f"{image_name}/1.0/manifest.json")
    assert found.get("docker.label.org.example.team") == ["platform"], found
    assert found.get("docker.label.a:b") == ["c"]
    assert found.get("docker.manifest") == ["1.0"]
    assert found.get("docker.manifest.digest") == [image.digest]
    assert found.get("docker.manifest.type") == [images.DOCKER_MANIFEST]
    assert found.get("docker.repoName") == [image_name]
    assert found.get("sha256") == [image.digest.removeprefix("sha256:")]


def test_property_search_finds_the_item_by_label(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """GET /api/search/prop?docker.label.<k>=<v> finds exactly the manifest item with that label."""
    registry.push(
        images.image(image_name, labels={"org.example.build": image_name}), image_name, "7"
    ).raise_for_status()
    uris = admin.search_properties([endpoint.repo], **{"docker.label.org.example.build": image_name})
    assert [u.split(f"/api/storage/{endpoint.repo}/", 1)[-1] for u in uris] == [f"{image_name}/7/manifest.json"]


def test_storage_api_presents_artifactorys_layout(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """The tag folder holds manifest.json and one sha256__<hex> file per layer and config."""
    image = images.image(image_name, layers=2)
    registry.push(image, image_name, "1").raise_for_status()
    folder = admin.storage(endpoint.repo, f"{image_name}/1", expect=200)
    children = {c["uri"].strip("/") for c in folder.json()["children"]}
    assert children == {"manifest.json", *(b.digest.replace(":", "__") for b in image.blobs)}


# -- AQL, which cleanup scripts search with ---------------------------------------------------------
def aql_items(admin: AdminClient, criteria: Mapping[str, object], then: str = "") -> list[dict[str, object]]:
    """The results of ``items.find(<criteria>)<then>``."""
    answer = admin.aql(f"items.find({json.dumps(criteria)}){then}", expect=200)
    results: list[dict[str, object]] = answer.json()["results"]
    return results


@pytest.mark.aql
def test_aql_finds_manifests_by_repo_path_and_name(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """A cleanup script's AQL, items.find by repo, path ($match) and name, finds the manifest.json of each tag."""
    for tag in ("1", "2"):
        registry.push(images.image(f"{image_name}:{tag}"), image_name, tag).raise_for_status()
    criteria = {"repo": endpoint.repo, "path": {"$match": f"{image_name}/*"}, "name": "manifest.json"}
    found = aql_items(admin, criteria, '.include("repo","path","name").sort({"$asc":["path"]})')
    assert [(r["repo"], r["path"], r["name"]) for r in found] == [
        (endpoint.repo, f"{image_name}/{tag}", "manifest.json") for tag in ("1", "2")
    ]


@pytest.mark.aql
def test_aql_selects_by_docker_properties(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """items.find with @docker.repoName and @docker.manifest finds that one tag's manifest, its properties with it."""
    pushed = {tag: images.image(f"{image_name}:{tag}") for tag in ("keep", "drop")}
    for tag, image in pushed.items():
        registry.push(image, image_name, tag).raise_for_status()
    criteria = {"repo": endpoint.repo, "@docker.repoName": image_name, "@docker.manifest": "drop"}
    found = aql_items(admin, criteria, '.include("path","name","property.*")')
    assert [(r["path"], r["name"]) for r in found] == [(f"{image_name}/drop", "manifest.json")], found
    props = found[0].get("properties")
    assert isinstance(props, list), found[0]
    assert {"key": "docker.manifest.digest", "value": pushed["drop"].digest} in props, props


# -- an image that exists: what a read-only run reads (--probe-image) --------------------------------
def manifest_item(admin: AdminClient, endpoint: Endpoint, probe_image: ProbeImage) -> str:
    """The manifest item's path, found by its digest property (an image named by digest lies in the
    folder of any of its tags, or of its digest when it has none); its tag's, when it was named by one."""
    uris = admin.search_properties([endpoint.repo], **{"docker.manifest.digest": probe_image.digest})
    paths = [u.split(f"/api/storage/{endpoint.repo}/", 1)[-1] for u in uris]
    mine = [p for p in paths if p.startswith(f"{probe_image.name}/")]
    assert mine, f"no item of {probe_image.name} has docker.manifest.digest={probe_image.digest}: {paths[:10]}"
    return next((p for p in mine if p.startswith(f"{probe_image.name}/{probe_image.tag}/")), mine[0])


@pytest.mark.read_only
def test_existing_manifest_item_carries_its_docker_properties(
    admin: AdminClient, endpoint: Endpoint, probe_image: ProbeImage
) -> None:
    """Property search by digest finds the manifest item of an existing image; it carries docker.manifest
    (its folder), docker.repoName and sha256, agreeing with the manifest the registry serves."""
    item = manifest_item(admin, endpoint, probe_image)
    found = admin.properties(endpoint.repo, item)
    assert found.get("docker.manifest") == [item.split("/")[-2]], found
    assert found.get("docker.repoName") == [probe_image.name]
    assert found.get("sha256") == [probe_image.digest.removeprefix("sha256:")]


@pytest.mark.read_only
def test_storage_api_lists_an_existing_images_layout(
    admin: AdminClient, endpoint: Endpoint, probe_image: ProbeImage
) -> None:
    """The folder of an existing image manifest holds manifest.json and a sha256__<hex> file per layer and config."""
    if probe_image.media_type in INDEXES:
        pytest.skip(f"--probe-image {probe_image.ref} is an index: its folder holds list.manifest.json alone")
    folder = admin.storage(endpoint.repo, manifest_item(admin, endpoint, probe_image).rsplit("/", 1)[0], expect=200)
    children = {c["uri"].strip("/") for c in folder.json()["children"]}
    assert children >= {"manifest.json", *(b.digest.replace(":", "__") for b in probe_image.blobs)}, children

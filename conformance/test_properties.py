"""properties: image labels and Docker facts as properties of the manifest item, found by property search;
properties written over REST; the storage API's tree, File Info, File List and Item Statistics."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.expect import SUCCESS
from fixtures.clients.probe import INDEXES, ProbeImage
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.waiting import wait_until
from fixtures.stacks.defs import Endpoint

pytestmark = pytest.mark.capability("properties")


@pytest.fixture
def pushed(registry: RegistryClient, image_name: str) -> images.Image:
    """An image pushed as <image_name>:1."""
    image = images.image(image_name)
    registry.push(image, image_name, "1").raise_for_status()
    return image


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


def blob_file(blob: images.Blob) -> str:
    return blob.digest.replace(":", "__")


def test_a_property_set_on_a_tag_is_read_back_found_and_deleted(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """PUT ?properties on the tag folder reaches its manifest.json; search/prop finds it; DELETE removes it."""
    registry.push(images.image(image_name), image_name, "1").raise_for_status()
    admin.set_properties(endpoint.repo, f"{image_name}/1", f"qa.status=passed;build={image_name}", expect=SUCCESS)
    item = f"{image_name}/1/manifest.json"
    assert admin.properties(endpoint.repo, item).get("qa.status") == ["passed"]
    uris = admin.search_properties([endpoint.repo], build=image_name)
    assert f"{image_name}/1/manifest.json" in [u.split(f"/api/storage/{endpoint.repo}/", 1)[-1] for u in uris], uris
    admin.delete_properties(endpoint.repo, f"{image_name}/1", ["qa.status"], expect=SUCCESS)
    assert "qa.status" not in admin.properties(endpoint.repo, item)
    assert admin.properties(endpoint.repo, item).get("build") == [image_name]


def test_update_item_properties_sets_and_removes(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """PATCH /api/metadata on the tag folder sets a property and, with null, removes another."""
    registry.push(images.image(image_name), image_name, "1").raise_for_status()
    admin.set_properties(endpoint.repo, f"{image_name}/1", "stage=dev", expect=SUCCESS)
    admin.update_properties(endpoint.repo, f"{image_name}/1", {"approved": "yes", "stage": None}, expect=SUCCESS)
    found = admin.properties(endpoint.repo, f"{image_name}/1/manifest.json")
    assert found.get("approved") == ["yes"] and "stage" not in found, found


def test_docker_properties_survive_property_writes(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str, pushed: images.Image
) -> None:
    """A CI job's property writes on a tag folder (set, update, delete) leave its manifest's docker.* ones; it pulls."""
    item = f"{image_name}/1/manifest.json"
    admin.set_properties(endpoint.repo, f"{image_name}/1", "qa.status=passed", expect=SUCCESS)
    admin.update_properties(endpoint.repo, f"{image_name}/1", {"approved": "yes", "qa.status": None}, expect=SUCCESS)
    admin.delete_properties(endpoint.repo, f"{image_name}/1", ["approved"], expect=SUCCESS)
    found = admin.properties(endpoint.repo, item)
    assert found.get("docker.manifest") == ["1"] and found.get("docker.manifest.digest") == [pushed.digest], found
    assert registry.digest_of(image_name, "1") == pushed.digest


def test_a_tag_folder_shared_with_a_nested_image_lists_both(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """Tag 1 of <name>/app and image <name>/app/1 share the folder <name>/app/1: it lists manifest.json and /x."""
    tagged, nested = images.image(f"{image_name}-tag"), images.image(f"{image_name}-nested")
    registry.push(tagged, f"{image_name}/app", "1").raise_for_status()
    registry.push(nested, f"{image_name}/app/1", "x").raise_for_status()
    folder = admin.storage(endpoint.repo, f"{image_name}/app/1", expect=200).json()
    children = {(c["uri"].strip("/"), c["folder"]) for c in folder["children"]}
    assert children >= {("manifest.json", False), ("x", True), *((blob_file(b), False) for b in tagged.blobs)}, children


def test_file_info_carries_sha1_md5_and_sha256(
    admin: AdminClient, endpoint: Endpoint, image_name: str, pushed: images.Image
) -> None:
    """File Info's checksums and originalChecksums of a layer are its sha1, md5 and sha256."""
    layer = pushed.layers[0]
    info = admin.storage(endpoint.repo, f"{image_name}/1/{blob_file(layer)}", expect=200).json()
    expected = {
        "sha1": hashlib.sha1(layer.data).hexdigest(),
        "md5": hashlib.md5(layer.data).hexdigest(),
        "sha256": hashlib.sha256(layer.data).hexdigest(),
    }
    for field in ("checksums", "originalChecksums"):
        assert {k: info.get(field, {}).get(k) for k in expected} == expected, info


def test_file_list_lists_a_tag_folder(
    admin: AdminClient, endpoint: Endpoint, image_name: str, pushed: images.Image
) -> None:
    """?list on the tag folder gives its files with size and sha1; &deep=1&listFolders=1 on the image adds /1."""
    files = {f["uri"]: f for f in admin.file_list(endpoint.repo, f"{image_name}/1").json().get("files", [])}
    assert {"/manifest.json", *(f"/{blob_file(b)}" for b in pushed.blobs)} <= files.keys(), files
    config = files[f"/{blob_file(pushed.config)}"]
    assert int(config["size"]) == len(pushed.config.data)
    assert config.get("sha1") == hashlib.sha1(pushed.config.data).hexdigest()
    deep = admin.file_list(endpoint.repo, image_name, deep="1", listFolders="1").json().get("files", [])
    assert {"/1", "/1/manifest.json"} <= {f["uri"] for f in deep}, deep


def test_item_statistics_count_a_download(
    admin: AdminClient, endpoint: Endpoint, image_name: str, pushed: images.Image
) -> None:
    """?stats of manifest.json counts its download through /artifactory/<repo>/<path>."""
    item = f"{image_name}/1/manifest.json"
    before = admin.statistics(endpoint.repo, item)
    assert isinstance(before.get("downloadCount"), int), before
    assert admin.download(endpoint.repo, item, expect=200).content == pushed.manifest.data

    def counted() -> str | None:  # Artifactory may record statistics a little after the download
        now = admin.statistics(endpoint.repo, item)
        return None if now.get("downloadCount", 0) > before["downloadCount"] else f"statistics {now}"

    wait_until(counted, what=f"the download of {item} in its statistics", timeout=60)


# -- an pushed that exists: what a read-only run reads (--probe-pushed) --------------------------------
def manifest_item(admin: AdminClient, endpoint: Endpoint, probe_image: ProbeImage) -> str:
    """The manifest item's path, found by its digest property (an pushed named by digest lies in the
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

"""deletion: REST deletes, the multi-arch delete API, shared parts protected, orphans cleaned, parent lists."""

from __future__ import annotations

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.expect import SUCCESS
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.stacks.defs import Endpoint

pytestmark = pytest.mark.capability("deletion")


def two_platforms(name: str, shared: images.Blob) -> tuple[images.Index, images.Image, images.Image]:
    amd = images.image(f"{name}-amd", shared=(shared,))
    arm = images.image(f"{name}-arm", platform="linux/arm64/v8", shared=(shared,))
    return images.index([amd, arm], oci=False), amd, arm


def test_rest_delete_of_a_tag_keeps_layers_another_tag_uses(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """DELETE /artifactory/<repo>/<image>/<tag> removes the tag and its own layer; a shared layer stays."""
    base = images.layer(f"{image_name}-base")
    gone, kept = images.image(f"{image_name}-1", shared=(base,)), images.image(f"{image_name}-2", shared=(base,))
    registry.push(gone, image_name, "1").raise_for_status()
    registry.push(kept, image_name, "2").raise_for_status()
    admin.delete(endpoint.repo, f"{image_name}/1", expect={200, 202, 204})
    registry.manifest(image_name, "1", expect=404)
    assert registry.digest_of(image_name, "2") == kept.digest
    assert all(registry.has_blob(image_name, blob.digest) for blob in kept.blobs)
    assert not registry.has_blob(image_name, gone.layers[-1].digest), "the deleted tag's own layer is left"


def test_rest_delete_of_an_image_removes_every_tag(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """DELETE /artifactory/<repo>/<image> removes the image: tags/list answers 404."""
    for tag in ("1", "2"):
        registry.push(images.image(f"{image_name}-{tag}"), image_name, tag).raise_for_status()
    admin.delete(endpoint.repo, image_name, expect={200, 202, 204})
    registry.tags(image_name, expect=404)


def test_rest_delete_of_a_folder_removes_every_image_below_it(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """DELETE /artifactory/<repo>/<folder> removes every image below the folder: none pulls, none lists."""
    pushed = {f"{image_name}/{path}": images.image(f"{image_name}-{path}") for path in ("web", "api", "api/v2")}
    for name, image in pushed.items():
        registry.push(image, name, "1").raise_for_status()
    admin.delete(endpoint.repo, image_name, expect={200, 202, 204})
    for name in pushed:
        registry.manifest(name, "1", expect=404)
        registry.tags(name, expect=404)
    admin.storage(endpoint.repo, image_name, expect=404)


def test_rest_delete_of_a_folder_shared_by_a_tag_and_an_image_removes_both(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """Tag 1 of <name>/app and image <name>/app/1 share the folder <name>/app/1: deleting it removes both;
    tag 2 of <name>/app stays."""
    app = f"{image_name}/app"
    kept = images.image(f"{image_name}-2")
    registry.push(images.image(f"{image_name}-1"), app, "1").raise_for_status()
    registry.push(kept, app, "2").raise_for_status()
    registry.push(images.image(f"{image_name}-nested"), f"{app}/1", "x").raise_for_status()
    admin.delete(endpoint.repo, f"{app}/1", expect={200, 202, 204})
    registry.manifest(app, "1", expect=404)
    registry.manifest(f"{app}/1", "x", expect=404)
    assert registry.digest_of(app, "2") == kept.digest


def test_multiarch_delete_removes_the_list_and_its_architectures(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """The multi-arch delete API removes the list tag and every platform manifest under it."""
    listing, amd, arm = two_platforms(image_name, images.layer(f"{image_name}-base"))
    registry.push(listing, image_name, "1.0").raise_for_status()
    admin.delete_multiarch(endpoint.repo, image_name, "1.0", expect=SUCCESS)
    for reference in ("1.0", listing.digest, amd.digest, arm.digest):
        registry.manifest(image_name, reference, expect=404)


def test_multiarch_delete_protects_what_other_tags_use(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """A platform manifest tagged on its own, and a layer another tag uses, survive the list's deletion."""
    base = images.layer(f"{image_name}-base")
    listing, amd, _arm = two_platforms(image_name, base)
    registry.push(listing, image_name, "1.0").raise_for_status()
    registry.put_manifest(image_name, "amd64", amd.manifest).raise_for_status()
    other = images.image(f"{image_name}-other", shared=(base,))
    registry.push(other, image_name, "other").raise_for_status()
    admin.delete_multiarch(endpoint.repo, image_name, "1.0", expect=SUCCESS)
    assert registry.digest_of(image_name, "amd64") == amd.digest
    assert all(registry.has_blob(image_name, blob.digest) for blob in (*amd.blobs, *other.blobs))


def listed_platform(registry: RegistryClient, image_name: str) -> images.Index:
    """A list tagged 1.0 whose amd64 platform manifest is also tagged amd64."""
    listing, amd, _arm = two_platforms(image_name, images.layer(f"{image_name}-base"))
    registry.push(listing, image_name, "1.0").raise_for_status()
    registry.put_manifest(image_name, "amd64", amd.manifest).raise_for_status()
    return listing


def test_parent_manifest_lists_name_the_lists_holding_a_tag(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """parentManifests for a platform tag names each list holding it, with the list's tags."""
    listing = listed_platform(registry, image_name)
    answer = admin.parent_lists(endpoint.repo, image_name, "amd64", expect=200)
    assert answer.json()["parentManifestLists"] == [
        {"dockerRepository": image_name, "digest": listing.digest, "tags": ["1.0"]}
    ]


def test_parent_manifest_lists_answer_at_the_documented_usage_path(
    registry: RegistryClient, admin: AdminClient, endpoint: Endpoint, image_name: str
) -> None:
    """POST /api/v2/<repo>/parentManifests, the path the API's Usage line gives, answers as the curl sample's does."""
    listing = listed_platform(registry, image_name)
    answer = admin.parent_lists(endpoint.repo, image_name, "amd64", usage_path=True, expect=200)
    assert [found["digest"] for found in answer.json()["parentManifestLists"]] == [listing.digest]

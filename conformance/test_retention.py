"""retention: Max Unique Tags and Tag Retention exactly as the documentation's examples walk through them.

Runs in a repository set to Max Unique Tags 3 and Tag Retention 3 (the seed's matrix); the
overwrite checks run in one at the defaults (Tag Retention 1, no limit), where an overwrite is a
complete replacement: a list's platform manifests stay only when another list takes its tag.
Each check uses its own image: the limits apply lazily, per image, on its pushes.
"""

from __future__ import annotations

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.registry import RegistryClient
from fixtures.content import images

pytestmark = pytest.mark.capability("retention")


def push(registry: RegistryClient, name: str, tag: str, revision: int) -> str:
    image = images.image(f"{name}:{tag}:{revision}")
    registry.push(image, name, tag).raise_for_status()
    return image.digest


def stored(registry: RegistryClient, name: str, digest: str) -> bool:
    return registry.manifest(name, digest).status_code == 200


def test_seed_matrix_of_unique_tags_and_revisions(retention_registry: RegistryClient, image_name: str) -> None:
    """V1.0.0 pushed thrice, V1.0.1 and V2.0.0 once; pushing V2.0.1 evicts V1.0.0 with its two SHAs."""
    reg = retention_registry
    v100 = [push(reg, image_name, "V1.0.0", n) for n in (1, 2, 3)]
    assert [stored(reg, image_name, d) for d in v100] == [True, True, True], "tag + 2 revisions under R=3"
    kept = {tag: push(reg, image_name, tag, 1) for tag in ("V1.0.1", "V2.0.0")}
    assert reg.tags(image_name).json()["tags"] == ["V1.0.0", "V1.0.1", "V2.0.0"]
    kept["V2.0.1"] = push(reg, image_name, "V2.0.1", 1)
    assert reg.tags(image_name).json()["tags"] == ["V1.0.1", "V2.0.0", "V2.0.1"]
    assert [stored(reg, image_name, d) for d in v100] == [False, False, False]
    assert {tag: reg.digest_of(image_name, tag) for tag in kept} == kept


def test_fourth_overwrite_evicts_the_oldest_revision(retention_registry: RegistryClient, image_name: str) -> None:
    """Tag Retention 3: after four pushes of latest, the first revision is gone, the last three stay."""
    pushed = [push(retention_registry, image_name, "latest", n) for n in (1, 2, 3, 4)]
    assert [stored(retention_registry, image_name, d) for d in pushed] == [False, True, True, True]


def test_latest_is_not_exempt(retention_registry: RegistryClient, image_name: str) -> None:
    """Max Unique Tags counts latest like any tag: three newer tags push it out."""
    for tag in ("latest", "1", "2", "3"):
        push(retention_registry, image_name, tag, 1)
    assert retention_registry.tags(image_name).json()["tags"] == ["1", "2", "3"]


def test_an_evicted_tag_takes_its_own_layers_along(retention_registry: RegistryClient, image_name: str) -> None:
    """Max Unique Tags 3: the evicted tag's own layer leaves the repository; the one it shares stays."""
    base = images.layer(f"{image_name}-base")
    first = images.image(f"{image_name}:1", shared=(base,))
    retention_registry.push(first, image_name, "1").raise_for_status()
    for tag in ("2", "3", "4"):
        retention_registry.push(images.image(f"{image_name}:{tag}", shared=(base,)), image_name, tag).raise_for_status()
    assert not stored(retention_registry, image_name, first.digest)
    assert not retention_registry.has_blob(image_name, first.layers[-1].digest), "the evicted tag's own layer is left"
    assert retention_registry.has_blob(image_name, base.digest), "a layer the kept tags use went with it"


@pytest.mark.trashcan
def test_evicted_tag_comes_back_from_the_trash_can(
    retention_registry: RegistryClient, retention_repo: str, admin: AdminClient, image_name: str
) -> None:
    """The tag Max Unique Tags evicted is restored from the trash can with its digest."""
    first = push(retention_registry, image_name, "1", 1)
    for tag in ("2", "3", "4"):
        push(retention_registry, image_name, tag, 1)
    assert not stored(retention_registry, image_name, first)
    admin.restore_from_trash(retention_repo, f"{image_name}/1", expect=200)
    assert retention_registry.digest_of(image_name, "1") == first


def platforms(name: str) -> tuple[images.Image, images.Image]:
    return images.image(f"{name}-amd"), images.image(f"{name}-arm", platform="linux/arm64/v8")


def test_a_list_tag_overwritten_by_an_image_loses_its_platforms(
    overwriting_registry: RegistryClient, image_name: str
) -> None:
    """Tag Retention 1: a list's tag overwritten by a single image is a complete replacement: the list's
    platform manifests go with it ("Overwriting List Manifests with a Manifest and Vice-Versa")."""
    registry, (amd, arm) = overwriting_registry, platforms(image_name)
    listing = images.index([amd, arm], oci=False)
    registry.push(listing, image_name, "1").raise_for_status()
    pushed = push(registry, image_name, "1", 2)
    assert registry.digest_of(image_name, "1") == pushed
    assert not stored(registry, image_name, listing.digest), "the overwritten list itself is kept"
    assert [stored(registry, image_name, d) for d in (amd.digest, arm.digest)] == [False, False], (
        "the overwritten list's platform manifests are kept"
    )


def test_a_list_tag_overwritten_by_a_list_keeps_its_platforms(
    overwriting_registry: RegistryClient, image_name: str
) -> None:
    """Tag Retention 1: a list's tag overwritten by another list replaces only the list; the old list's
    platform manifests stay, by digest (the default, without complete.manifest.override)."""
    registry, (amd, arm) = overwriting_registry, platforms(image_name)
    listing = images.index([amd, arm], oci=False)
    registry.push(listing, image_name, "1").raise_for_status()
    newer = images.index(list(platforms(f"{image_name}-2")), oci=False)
    registry.push(newer, image_name, "1").raise_for_status()
    assert registry.digest_of(image_name, "1") == newer.digest
    assert not stored(registry, image_name, listing.digest), "the overwritten list itself is kept"
    assert [stored(registry, image_name, d) for d in (amd.digest, arm.digest)] == [True, True]


def test_an_image_tag_overwritten_by_a_list_is_replaced(overwriting_registry: RegistryClient, image_name: str) -> None:
    """Tag Retention 1: an image's tag overwritten by a list is a complete replacement: the image is gone,
    the list and its platform manifests are there."""
    registry, (amd, arm) = overwriting_registry, platforms(image_name)
    old = push(registry, image_name, "1", 1)
    listing = images.index([amd, arm], oci=False)
    registry.push(listing, image_name, "1").raise_for_status()
    assert registry.digest_of(image_name, "1") == listing.digest
    assert not stored(registry, image_name, old), "the overwritten image is kept"
    assert [stored(registry, image_name, d) for d in (amd.digest, arm.digest)] == [True, True]

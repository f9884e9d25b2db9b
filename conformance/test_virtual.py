"""virtual: a virtual repository resolves its members in order, deploys to its default, merges listings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images

pytestmark = pytest.mark.capability("virtual")

Registries = Callable[[str], RegistryClient]


def test_members_resolve_in_their_configured_order(registry_of: Registries, virtual: dict, image_name: str) -> None:
    """The same tag in two members: the virtual repository serves the first member's."""
    first, second = (registry_of(repo) for repo in virtual["repositories"][:2])
    chosen = images.image(f"{image_name}-first")
    first.push(chosen, image_name, "1").raise_for_status()
    second.push(images.image(f"{image_name}-second"), image_name, "1").raise_for_status()
    assert registry_of(virtual["key"]).digest_of(image_name, "1") == chosen.digest


def test_push_lands_in_the_default_deployment_repository(
    registry_of: Registries, virtual: dict, image_name: str
) -> None:
    """A push through the virtual key is stored in defaultDeploymentRepo, nowhere else."""
    image = images.image(image_name)
    registry_of(virtual["key"]).push(image, image_name, "1").raise_for_status()
    assert registry_of(virtual["defaultDeploymentRepo"]).digest_of(image_name, "1") == image.digest
    others = [r for r in virtual["repositories"] if r != virtual["defaultDeploymentRepo"]]
    assert [registry_of(r).digest_of(image_name, "1") for r in others] == [None] * len(others)


def test_tags_of_every_member_are_listed(registry_of: Registries, virtual: dict, image_name: str) -> None:
    """tags/list through the virtual key holds the tags of all members, sorted."""
    for n, repo in enumerate(virtual["repositories"][:2]):
        registry_of(repo).push(images.image(f"{image_name}-{n}"), image_name, f"t{n}").raise_for_status()
    assert registry_of(virtual["key"]).tags(image_name).json()["tags"] == ["t0", "t1"]


def test_content_of_a_later_member_is_pulled(registry_of: Registries, virtual: dict, image_name: str) -> None:
    """A manifest and layer only the second member holds are served through the virtual key."""
    image = images.image(image_name)
    registry_of(virtual["repositories"][1]).push(image, image_name, "1").raise_for_status()
    through = registry_of(virtual["key"])
    assert through.digest_of(image_name, "1") == image.digest
    assert through.request("GET", f"{image_name}/blobs/{image.layers[0].digest}").content == image.layers[0].data


def test_newest_push_wins_with_timestamp_resolution(
    registry_of: Registries, newest_wins_virtual: dict, image_name: str
) -> None:
    """With resolveDockerTagsByTimestamp the same tag resolves to the member where it was pushed last."""
    first, second = (registry_of(repo) for repo in newest_wins_virtual["repositories"][:2])
    first.push(images.image(f"{image_name}-older"), image_name, "1").raise_for_status()
    newer = images.image(f"{image_name}-newer")
    second.push(newer, image_name, "1").raise_for_status()
    assert registry_of(newest_wins_virtual["key"]).digest_of(image_name, "1") == newer.digest

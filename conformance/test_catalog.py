"""catalog: ``_catalog`` and ``tags/list`` through every access method, sorted and paginated with n/last/Link."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.stacks.defs import Endpoint

pytestmark = pytest.mark.capability("catalog")

# Pushed out of lexical order: a registry must list them sorted, not in push order.
TAGS = ["v3", "v1", "v2"]


def next_page(registry: RegistryClient, answer_url: str, link: str) -> str:
    """The URL a Link: <...>; rel="next" header points at, resolved against the answer's URL."""
    target = link.split(";")[0].strip().strip("<>")
    return urljoin(answer_url, target)


def test_tags_are_listed_sorted(registry: RegistryClient, endpoint: Endpoint, image_name: str) -> None:
    """tags/list lists the tags in lexical order and names the image.

    The name is the one the client used, or, behind a repository-path proxy, the image path in the
    repository: Artifactory answers the API form there (its token scopes name the image without
    the repository key too).
    """
    for tag in TAGS:
        registry.push(images.image(f"{image_name}-{tag}"), image_name, tag).raise_for_status()
    answer = registry.tags(image_name, expect=200)
    assert answer.json()["tags"] == sorted(TAGS)
    assert answer.json()["name"] in {endpoint.name_of(image_name), image_name}


def test_tags_paginate_with_n_last_and_link(registry: RegistryClient, image_name: str) -> None:
    """n=2 gives the first two tags and a Link to the rest; last= continues after a tag."""
    for tag in TAGS:
        registry.push(images.image(f"{image_name}-{tag}"), image_name, tag).raise_for_status()
    first = registry.tags(image_name, n=2)
    assert first.json()["tags"] == ["v1", "v2"]
    assert 'rel="next"' in first.headers.get("Link", ""), first.headers
    rest = registry.request("GET", next_page(registry, first.url, first.headers["Link"]))
    assert rest.json()["tags"] == ["v3"]
    assert registry.tags(image_name, n=5, last="v1").json()["tags"] == ["v2", "v3"]


def test_catalog_lists_pushed_images_page_by_page(
    registry: RegistryClient, endpoint: Endpoint, image_name: str
) -> None:
    """_catalog with n and last returns the run's images in order, one page at a time."""
    names = [f"{image_name}/{suffix}" for suffix in ("a", "b", "c")]
    for name in names:
        registry.push(images.image(name), name, "1").raise_for_status()
    expected = [endpoint.name_of(name) for name in names]
    start = endpoint.name_of(image_name)  # sorts just before the three names
    first = registry.request("GET", "/v2/_catalog", params={"n": 2, "last": start}, expect=200)
    assert first.json()["repositories"] == expected[:2]
    assert 'rel="next"' in first.headers.get("Link", ""), first.headers
    rest = registry.request("GET", next_page(registry, first.url, first.headers["Link"]))
    assert rest.json()["repositories"][:1] == expected[2:]

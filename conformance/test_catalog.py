"""catalog: ``_catalog`` and ``tags/list`` through every access method, sorted and paginated with n/last/Link."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from fixtures.clients.probe import ProbeImage
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


# -- an image that exists: what a read-only run reads (--probe-image) --------------------------------
PAGES = 20  # pages followed at most: a bounded read on an image with thousands of tags


def just_before(name: str) -> str:
    """A ``last`` no image name lies between and ``name`` (``~`` sorts after every name character)."""
    return name[:-1] + chr(ord(name[-1]) - 1) + "~"


@pytest.mark.read_only
def test_existing_image_tags_page_as_the_whole_list(
    registry: RegistryClient, endpoint: Endpoint, probe_image: ProbeImage
) -> None:
    """tags/list of an existing image names it and lists its tags sorted; pages of n=2, followed by Link,
    give the same list (up to 20 pages)."""
    whole = registry.tags(probe_image.name, expect=200).json()
    assert whole["name"] in {endpoint.name_of(probe_image.name), probe_image.name}, whole["name"]
    tags = whole["tags"]
    assert tags == sorted(tags)
    assert probe_image.tag in (None, *tags), f"{probe_image.tag} not listed: {tags[:20]}"
    page = registry.tags(probe_image.name, n=2, expect=200)
    paged = list(page.json()["tags"])
    for _ in range(PAGES):
        if "Link" not in page.headers:
            break
        page = registry.request("GET", next_page(registry, page.url, page.headers["Link"]), expect=200)
        paged += page.json()["tags"]
    complete = "Link" not in page.headers
    assert paged == (tags if complete else tags[: len(paged)]), f"pages gave {paged[:20]}, the list {tags[:20]}"


@pytest.mark.read_only
def test_catalog_pages_from_an_existing_image(
    registry: RegistryClient, endpoint: Endpoint, probe_image: ProbeImage
) -> None:
    """_catalog with n=2 and a last just before an existing image starts with it, sorted; its Link's page
    continues after the first page's last name."""
    name = endpoint.name_of(probe_image.name)
    first = registry.request("GET", "/v2/_catalog", params={"n": 2, "last": just_before(name)}, expect=200)
    listed = first.json()["repositories"]
    assert listed[:1] == [name] and listed == sorted(listed), listed
    if "Link" in first.headers:
        rest = registry.request("GET", next_page(registry, first.url, first.headers["Link"]), expect=200)
        assert all(n > listed[-1] for n in rest.json()["repositories"]), rest.json()["repositories"]

"""tags/list and _catalog pages come from the index (keyset on the sorted name): followed by their
Link headers they give every name once, in order, in full pages, whatever the caller may read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from refregistry.storage.meta import Metadata
from tests.conftest import ADMIN, StartServer

IMAGE = images.image("pages")
CONFIG = {
    "users": {"admin": {"password": "password", "admin": True}, "dev": {"password": "dev-pw"}},
    # docker-local-x sorts before docker-local as a name prefix ("-" < "/"): the catalog's order crosses it
    "localRepositories": {key: {} for key in ("docker-local", "docker-local-x", "docker-dev-local")},
    "permissions": [{"user": "dev", "repositories": ["docker-local-x", "docker-dev-local"], "actions": ["read"]}],
}


def walk(reg: RegistryClient, path: str, key: str, n: int) -> list[list[str]]:
    """Every page of a listing, following rel="next" from ``path?n=``."""
    pages, url = [], reg.url(f"{path}?n={n}")
    while url:
        answer = reg.request("GET", url, expect=200)
        pages.append(answer.json()[key])
        link = answer.headers.get("Link", "")
        url = urljoin(url, link[1 : link.index(">")]) if link else ""
    return pages


def tag_many(reg: RegistryClient, name: str, tags: list[str]) -> None:
    reg.push(IMAGE, name, tags[0], expect=201)
    for tag in tags[1:]:
        reg.put_manifest(name, tag, IMAGE.manifest, expect=201)


def full_pages(pages: list[list[str]], n: int) -> bool:
    return all(len(page) == n for page in pages[:-1]) and 0 < len(pages[-1]) <= n


def test_tags_pages_cover_every_tag_once_in_order(start_server: StartServer) -> None:
    """Following Link from n=4 lists 19 tags in lexical order, four to a page, none twice."""
    reg = RegistryClient(start_server().url, "/v2/docker-local/", ADMIN, basic=True)
    tags = [f"t{i}" for i in range(19)]
    tag_many(reg, "app", tags)
    pages = walk(reg, "app/tags/list", "tags", 4)
    assert [tag for page in pages for tag in page] == sorted(tags)
    assert full_pages(pages, 4)


def test_catalog_pages_hold_only_readable_repositories_and_are_full(start_server: StartServer) -> None:
    """dev reads two of three repositories: its catalog pages are full, in lexical order, without the third."""
    server = start_server(CONFIG)
    pushed = {"docker-local": ["a", "b", "c"], "docker-local-x": ["m", "n", "o"], "docker-dev-local": ["p", "q"]}
    for repo, names in pushed.items():
        reg = RegistryClient(server.url, f"/v2/{repo}/", ADMIN, basic=True)
        for name in names:
            tag_many(reg, name, ["1"])
    dev = RegistryClient(server.url, "/v2/docker-dev-local/", ("dev", "dev-pw"), basic=True)
    pages = walk(dev, "/v2/_catalog", "repositories", 2)
    readable = [f"{repo}/{name}" for repo in ("docker-dev-local", "docker-local-x") for name in pushed[repo]]
    assert [name for page in pages for name in page] == sorted(readable)
    assert full_pages(pages, 2)
    admin = RegistryClient(server.url, "/v2/", ADMIN, basic=True)
    everything = [name for page in walk(admin, "/v2/_catalog", "repositories", 3) for name in page]
    assert everything == sorted(f"{repo}/{name}" for repo, names in pushed.items() for name in names)


Query = Callable[[Metadata], list[str]]


@pytest.mark.parametrize(
    "page",
    [
        lambda meta: meta.tag_page("docker-local", "app", "t5", 100),
        lambda meta: meta.image_page("docker-local", "app", 100),
    ],
    ids=["tags", "images"],
)
def test_pages_are_read_from_an_index(tmp_path: Path, page: Query) -> None:
    """SQLite's plan for a page searches an index on the sorted name: no table scan, no sort."""
    meta = Metadata(tmp_path / "registry.db")
    statements: list[str] = []
    meta.db.set_trace_callback(statements.append)
    page(meta)
    meta.db.set_trace_callback(None)
    (query,) = statements
    plan = " / ".join(row[3] for row in meta.db.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert plan.startswith("SEARCH ") and " INDEX " in plan, plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan

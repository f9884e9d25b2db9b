"""AQL at HTTP level: items.find over the storage API's items, include/sort/offset/limit, refusals as 400."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.aql import AqlError, Item, matches
from refregistry.aqlparse import parse
from tests.conftest import ADMIN

AQL = "/artifactory/api/search/aql"
OLD = images.image("old", labels={"keep": "no"})
NEW = images.image("new", labels={"keep": "yes"})


def search(server: RefRegistryProcess, query: str, auth: tuple[str, str] = ADMIN) -> requests.Response:
    return requests.post(f"{server.url}{AQL}", data=query.encode(), auth=auth, timeout=30)


def found(server: RefRegistryProcess, query: str) -> list[dict]:
    answer = search(server, query)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


@pytest.fixture
def pushed(server: RefRegistryProcess, registry: RegistryClient) -> RegistryClient:
    """docker-local holds app:1 (label keep=no) and app:2 (keep=yes); docker-prod-local holds other:1."""
    registry.push(OLD, "app", "1").raise_for_status()
    registry.push(NEW, "app", "2").raise_for_status()
    RegistryClient(server.url, "/v2/docker-prod-local/", ADMIN).push(OLD, "other", "1").raise_for_status()
    return registry


def test_cleanup_query_finds_manifests_by_repo_path_name(server: RefRegistryProcess, pushed: RegistryClient) -> None:
    """Workflow: the manifest.json items of one image, newest first, in Artifactory's answer shape."""
    answer = search(
        server,
        'items.find({"repo":"docker-local","path":{"$match":"app/*"},"name":"manifest.json"})'
        '.include("repo","path","name","size","created").sort({"$desc":["path"]})',
    )
    doc = answer.json()
    assert [(r["repo"], r["path"], r["name"]) for r in doc["results"]] == [
        ("docker-local", "app/2", "manifest.json"),
        ("docker-local", "app/1", "manifest.json"),
    ]
    assert doc["range"] == {"start_pos": 0, "end_pos": 2, "total": 2}
    assert set(doc["results"][0]) == {"repo", "path", "name", "size", "created"}
    assert doc["results"][0]["size"] == len(NEW.manifest.data)
    assert doc["results"][0]["created"].endswith("Z")


def test_property_criteria_and_property_output(server: RefRegistryProcess, pushed: RegistryClient) -> None:
    """Workflow: @docker.label.keep selects by property; property.* lists the item's properties as key/value."""
    results = found(
        server, 'items.find({"repo":"docker-local","@docker.label.keep":"yes"}).include("path","property.*")'
    )
    assert [r["path"] for r in results] == ["app/2"]
    props = {(p["key"], p["value"]) for p in results[0]["properties"]}
    assert {("docker.manifest", "2"), ("docker.repoName", "app"), ("docker.label.keep", "yes")} <= props
    assert found(server, 'items.find({"@docker.manifest":{"$match":"*"},"@docker.repoName":"other"})')[0]["repo"] == (
        "docker-prod-local"
    )


def test_or_types_folders_offset_and_limit(server: RefRegistryProcess, pushed: RegistryClient) -> None:
    """Workflow: $or of names, folders only when the type asks for them, and a window with offset/limit."""
    either = 'items.find({"repo":"docker-local","$or":[{"path":"app/1"},{"path":"app/2"}],"name":"manifest.json"})'
    assert len(found(server, either)) == 2
    folders = found(server, 'items.find({"repo":"docker-local","type":"folder"}).sort({"$asc":["path","name"]})')
    assert [(r["path"], r["name"]) for r in folders] == [(".", "app"), ("app", "1"), ("app", "2")]
    assert all(r["type"] == "file" for r in found(server, 'items.find({"repo":"docker-local"})'))
    window = search(server, 'items.find({"repo":"docker-local"}).sort({"$asc":["path","name"]}).offset(1).limit(2)')
    assert window.json()["range"] == {"start_pos": 1, "end_pos": 3, "total": 2, "limit": 2}


def test_only_readable_repositories_are_searched(start_server) -> None:
    """Workflow: a user reading docker-local alone finds nothing of docker-prod-local."""
    config = {
        "users": {"admin": {"password": "password", "admin": True}, "dev": {"password": "dev-pw"}},
        "permissions": [{"user": "dev", "repositories": ["docker-local"], "actions": ["read"]}],
    }
    server = start_server(config)
    for repo in ("docker-local", "docker-prod-local"):
        RegistryClient(server.url, f"/v2/{repo}/", ADMIN).push(OLD, "app", "1").raise_for_status()
    answer = search(server, 'items.find({"name":"manifest.json"})', auth=("dev", "dev-pw"))
    assert [r["repo"] for r in answer.json()["results"]] == ["docker-local"]
    assert search(server, "items.find()", auth=("dev", "wrong")).status_code == 401


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("builds.find()", "only the items domain"),
        ('items.find({"repo":})', "expected a JSON value at position 19"),
        ('items.find({"colour":"red"})', "unknown field 'colour'"),
        ('items.find({"name":{"$regex":"x"}})', "unknown operator '$regex'"),
        ('items.find({"size":{"$gt":"big"}})', "'size' compares with a whole number"),
        ('items.find({"created":{"$gt":"yesterday"}})', "ISO-8601"),
        ('items.find({"type":"symlink"})', "'type' is compared"),
        ('items.find().include("secret")', "unknown field 'secret' in .include()"),
        ('items.find().sort({"$up":["name"]})', "$asc or $desc"),
        ("items.find().limit(-1)", "whole number"),
        ("items.find().limit(1).limit(2)", "given twice"),
        ("items.find() trailing", "the end of the query"),
        ("items.find(\u201c)", "unexpected character"),
        ("items.find(" + '{"$and":[' * 40 + "]}" * 40 + ")", "nested deeper"),
        ("", "expected a domain"),
    ],
    ids=[
        "domain",
        "missing-value",
        "field",
        "operator",
        "size",
        "time",
        "type",
        "include",
        "sort",
        "limit",
        "twice",
        "trailing",
        "curly-quote",
        "deep",
        "empty",
    ],
)
def test_bad_queries_are_400_naming_the_problem(server: RefRegistryProcess, query: str, words: str) -> None:
    """Workflow: a query refregistry cannot run is 400 in Artifactory's error shape, never 500."""
    answer = search(server, query)
    assert answer.status_code == 400, answer.text
    message = answer.json()["errors"][0]["message"]
    assert message.startswith("Failed to parse query:") and words in message, message


def test_wildcards_and_comparisons_follow_the_documentation() -> None:
    """Workflow: * and ? are wildcards only under $match/$nmatch; other characters are literal; times compare."""
    item = Item("r", "app/1", "a.b", "file", 10, 1_700_000_000.0, {"k": ["v1"]})
    assert matches(parse('items.find({"name":{"$match":"?.*"}})').criteria, item)
    assert not matches(parse('items.find({"name":{"$match":"a.c"}})').criteria, item)
    assert not matches(parse('items.find({"name":"a.*"})').criteria, item)
    assert matches(parse('items.find({"@k":{"$nmatch":"x*"},"size":{"$gte":10,"$lt":11}})').criteria, item)
    assert matches(parse('items.find({"created":{"$lt":"2024-01-01"}})').criteria, item)
    assert matches(parse('items.find({"@*":"v1"})').criteria, item)
    with pytest.raises(AqlError, match="empty comparison"):
        parse('items.find({"name":{}})')

"""Input an attacker sends gets a precise 4xx, never a 500, and leaves nothing behind (issue 17).

One test per cause the adversarial run found; tests/test_fuzz_routes.py then throws random input
at every route.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from fixtures.clients.admin import AdminClient
from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import images
from fixtures.content.images import Blob
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN

DOCKER_API = "api/docker/docker-local/v2"
TOO_BIG = 2**63  # one past the largest size a descriptor may carry (int64)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RefRegistryProcess]:
    """One server for the module: what a test pushes it reads back itself, and the rest is refused."""
    running = RefRegistryProcess(tmp_path_factory.mktemp("robustness") / "rr").start()
    yield running
    running.stop()


@pytest.fixture
def admin(server: RefRegistryProcess) -> AdminClient:
    return AdminClient(server.url, ADMIN)


def artifactory_message(answer: requests.Response) -> str:
    return answer.json()["errors"][0]["message"]


def blob_files(server: RefRegistryProcess) -> set[str]:
    return {path.name for path in Path(server.data, "blobs").rglob("*") if path.is_file()}


def nested(depth: int) -> bytes:
    """A JSON object whose one field holds ``depth`` nested lists."""
    return b'{"dockerRepository": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("n", ["²", "٣", "1e3", "1234567890"])
@pytest.mark.parametrize("listing", ["/v2/_catalog", "/v2/docker-local/app/tags/list"], ids=["catalog", "tags"])
def test_page_size_takes_ascii_digits_only(registry: RegistryClient, listing: str, n: str) -> None:
    """Workflow: n= with other digits than 0-9 (or too many) is PAGINATION_NUMBER_INVALID, not a 500."""
    registry.push(images.image("page"), "app", "1", expect=201)
    answer = registry.request("GET", listing, params={"n": n}, expect=400)
    assert error_code(answer) == "PAGINATION_NUMBER_INVALID"


@pytest.mark.parametrize("depth", [65, 5_000], ids=["past-the-limit", "past-the-parser"])
def test_deeply_nested_manifest_is_manifest_invalid(registry: RegistryClient, depth: int) -> None:
    """Workflow: a manifest nesting deeper than 64 levels is MANIFEST_INVALID saying so."""
    body = Blob(nested(depth), images.OCI_MANIFEST)
    answer = registry.put_manifest("app", "1", body, expect=400)
    assert error_code(answer) == "MANIFEST_INVALID"
    assert "nests deeper than 64 levels" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", f"{DOCKER_API}/promote", "request body nests deeper than 64 levels"),
        ("DELETE", f"{DOCKER_API}/delete", "expected a JSON body"),
        ("POST", f"{DOCKER_API}/parentManifests", "expected a JSON body"),
        ("PUT", "api/repositories/deep-local", "the body nests deeper than 64 levels"),
        ("POST", "api/repositories/docker-local", "the body nests deeper than 64 levels"),
    ],
    ids=["promote", "multiarch-delete", "parent-lists", "repository-create", "repository-update"],
)
@pytest.mark.parametrize("depth", [65, 5_000], ids=["past-the-limit", "past-the-parser"])
def test_deeply_nested_rest_body_is_a_400(admin: AdminClient, method: str, path: str, message: str, depth: int) -> None:
    """Workflow: a REST body nesting deeper than 64 levels is Artifactory's 400, not a RecursionError."""
    answer = admin.request(method, path, data=nested(depth), headers={"Content-Type": "application/json"}, expect=400)
    assert message in artifactory_message(answer)


def member_too_big(registry: RegistryClient) -> bytes:
    """A manifest list whose (pushed) member's descriptor claims 2^63 bytes."""
    member = images.image("member")
    registry.push(member, "app", expect=201)
    doc = json.loads(images.index([member]).manifest.data)
    doc["manifests"][0]["size"] = TOO_BIG
    return json.dumps(doc).encode()


def layer_too_big(registry: RegistryClient, **layer: object) -> bytes:
    """An image manifest (config pushed) whose one layer claims 2^63 bytes."""
    config = images.image("sized").config
    registry.upload("app", config, expect=201)
    descriptor = {"mediaType": images.DOCKER_LAYER, "digest": images.digest_of(b"far"), "size": TOO_BIG, **layer}
    doc = {
        "schemaVersion": 2,
        "mediaType": images.DOCKER_MANIFEST,
        "config": config.descriptor(),
        "layers": [descriptor],
    }
    return json.dumps(doc).encode()


FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"


@pytest.mark.parametrize(
    ("make", "media_type", "where"),
    [
        (member_too_big, images.OCI_INDEX, "manifests[0].size"),
        (lambda r: layer_too_big(r, mediaType=FOREIGN), images.DOCKER_MANIFEST, "layers[0].size"),
        (lambda r: layer_too_big(r, urls=["https://example.com/far"]), images.DOCKER_MANIFEST, "layers[0].size"),
    ],
    ids=["list-member", "foreign-layer", "layer-with-urls"],
)
def test_descriptor_size_of_2_to_the_63_is_refused_leaving_nothing(
    server: RefRegistryProcess,
    registry: RegistryClient,
    make: Callable[[RegistryClient], bytes],
    media_type: str,
    where: str,
) -> None:
    """Workflow: a size past int64 is MANIFEST_INVALID naming the field; no tag, no manifest bytes stay."""
    body = Blob(make(registry), media_type)
    before = blob_files(server)
    answer = registry.put_manifest("app", "big", body, expect=400)
    assert error_code(answer) == "MANIFEST_INVALID"
    assert f"{where} must be a non-negative integer below 2^63" in answer.json()["errors"][0]["message"]
    assert blob_files(server) == before, "the refused manifest's bytes were left on disk"
    registry.manifest("app", "big", expect=404)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "api/storage/docker-local"), ("GET", "docker-local"), ("DELETE", "docker-local")],
    ids=["storage-api", "download", "delete"],
)
def test_storage_path_of_a_thousand_segments_is_not_found(
    admin: AdminClient, registry: RegistryClient, method: str, path: str
) -> None:
    """Workflow: an item path of 1,000 segments (deeper than any item) is 404, with no recursion per segment."""
    registry.push(images.image("deep"), "app", "1", expect=201)
    answer = admin.request(method, f"{path}/app/1/" + "/".join(["a"] * 1000), expect=404)
    assert artifactory_message(answer) == "Unable to find item"
    admin.storage("docker-local", "app/1/manifest.json", expect=200)


WRONG_TYPES = [[], {"a": 1}, [["docker-local"]], [{"key": "docker-local"}]]
REMOTE = {"rclass": "remote", "url": "http://127.0.0.1:9"}
VIRTUAL = {"rclass": "virtual", "repositories": ["docker-local"]}


@pytest.mark.parametrize("value", WRONG_TYPES, ids=["list", "object", "list-of-lists", "list-of-objects"])
@pytest.mark.parametrize(
    ("key", "body", "field"),
    [
        ("new-local", {}, "rclass"),
        ("new-local", {"rclass": "local"}, "packageType"),
        ("new-local", {"rclass": "local"}, "type"),
        ("new-local", {"rclass": "local"}, "dockerApiVersion"),
        ("new-remote", {"rclass": "remote"}, "url"),
        ("new-remote", REMOTE, "username"),
        ("new-remote", REMOTE, "password"),
        ("new-virtual", {"rclass": "virtual"}, "repositories"),
        ("new-virtual", VIRTUAL, "defaultDeploymentRepo"),
    ],
    ids=lambda v: v if isinstance(v, str) and not v.startswith("new-") else "",
)
def test_repository_field_of_the_wrong_type_is_a_400_naming_it(
    admin: AdminClient, key: str, body: dict[str, object], field: str, value: object
) -> None:
    """Workflow: a list or an object where the repository JSON wants a string is a 400 naming the field."""
    answer = admin.request("PUT", f"api/repositories/{key}", json={**body, field: value}, expect=400)
    assert field in artifactory_message(answer)
    admin.repository(key, expect=404)


@pytest.mark.parametrize("path", ["api/docker/%1F/v2/_catalog", "api/docker/a%0Db/v2/", "api/storage/%7F"])
def test_repository_key_that_cannot_be_one_is_not_found(server: RefRegistryProcess, path: str) -> None:
    """Workflow: a key with a control character is 404 at once, not a challenge whose header cannot be written."""
    AdminClient(server.url, None).request("GET", path, expect=404)


@pytest.mark.parametrize("content_range", ["0-" + "9" * 5000, "٠-٤", "0-99999999999999999999"])
def test_content_range_takes_ascii_int64_offsets_only(registry: RegistryClient, content_range: str) -> None:
    """Workflow: a chunk's Content-Range of 5,000 digits, or of other digits than 0-9, is 416, not a 500."""
    started = registry.request("POST", "app/blobs/uploads/", expect=202)
    headers = {"Content-Range": content_range.encode()}
    answer = registry.request("PATCH", registry.location("app", started), data=b"hello", headers=headers, expect=416)
    assert error_code(answer) == "BLOB_UPLOAD_INVALID"

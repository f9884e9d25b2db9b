"""Item properties written over REST, File Info checksums, File List and Item Statistics (issue 17 item 5)."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.errors import RegistryError
from refregistry.handlers.item_properties import parse_assignments
from tests.test_api_artifactory import rest

IMAGE = images.image("props", layers=2)
STORAGE = "/artifactory/api/storage/docker-local"
MANIFEST = f"{STORAGE}/app/1/manifest.json"


def props(server: RefRegistryProcess, path: str) -> dict[str, list[str]]:
    answer = rest(server, f"{STORAGE}/{path}?properties")
    return answer.json()["properties"] if answer.status_code == 200 else {}


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("a=1", {"a": ["1"]}),
        ("os=win,linux;qa=done", {"os": ["win", "linux"], "qa": ["done"]}),
        ("os=win,linux|qa=done", {"os": ["win", "linux"], "qa": ["done"]}),
        ("a=1\\=1", {"a": ["1=1"]}),
        ("a=x\\,y", {"a": ["x,y"]}),
        ("a=x\\;y", {"a": ["x", "y"]}),
        ("flag", {"flag": [""]}),
    ],
)
def test_property_assignments_parse_as_documented(raw: str, parsed: dict[str, list[str]]) -> None:
    """Workflow: `;` or `|` between properties, `,` or an escaped `;` between values, `\\` escapes."""
    assert parse_assignments(raw) == parsed


@pytest.mark.parametrize("raw", ["=v", "a b=1", "a\\", ";;", "k(1)=v"])
def test_bad_property_assignments_are_refused(raw: str) -> None:
    """Workflow: an empty key, a forbidden key character or a lone backslash is a 400."""
    with pytest.raises(RegistryError) as refused:
        parse_assignments(raw)
    assert refused.value.status == 400


def test_set_and_delete_properties_on_a_tag_folder(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: PUT on the tag folder reaches its files (recursive by default); search finds them; DELETE removes."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    assert rest(server, f"{STORAGE}/app/1?properties=qa=done;os=linux,arm", "PUT").status_code == 204
    assert props(server, "app/1") == {"os": ["arm", "linux"], "qa": ["done"]}
    assert props(server, "app/1/manifest.json")["qa"] == ["done"]
    layer = f"app/1/{IMAGE.layers[0].digest.replace(':', '__')}"
    assert props(server, layer) == {"os": ["arm", "linux"], "qa": ["done"]}
    found = rest(server, "/artifactory/api/search/prop", params={"qa": "done", "repos": "docker-local"}).json()
    assert f"{server.url}{STORAGE}/app/1" in [r["uri"] for r in found["results"]]
    assert rest(server, f"{STORAGE}/app/1?properties=qa", "DELETE").status_code == 204
    assert "qa" not in props(server, "app/1/manifest.json")
    assert props(server, "app/1") == {"os": ["arm", "linux"]}


def test_recursive_0_and_patch(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: recursive=0 stays on the folder; PATCH api/metadata sets and, with null, removes."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    assert rest(server, f"{STORAGE}/app/1?properties=only=here&recursive=0", "PUT").status_code == 204
    assert "only" not in props(server, "app/1/manifest.json")
    body = {"props": {"stage": "qa", "only": None}}
    assert rest(server, "/artifactory/api/metadata/docker-local/app/1", "PATCH", json=body).status_code == 204
    assert props(server, "app/1") == {"stage": ["qa"]}
    assert props(server, "app/1/manifest.json")["stage"] == ["qa"]
    bad = rest(server, "/artifactory/api/metadata/docker-local/app/1", "PATCH", json={"props": {"k": {"x": 1}}})
    assert bad.status_code == 400
    assert rest(server, "/artifactory/api/metadata/docker-local/app/1", "PATCH", data=b"[" * 100_000).status_code == 400


def test_docker_properties_are_written_like_any_other(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: a write names the keys it touches: the others stay; docker.* ones change as Artifactory lets them."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    assert rest(server, f"{STORAGE}/app/1?properties=qa=done", "PUT").status_code == 204
    assert props(server, "app/1/manifest.json")["docker.manifest"] == ["1"]
    assert rest(server, f"{MANIFEST}?properties=docker.manifest=other", "PUT").status_code == 204
    assert props(server, "app/1/manifest.json")["docker.manifest"] == ["other"]
    # The registry serves pulls from its tags, not from these properties.
    assert registry.digest_of("app", "1") == IMAGE.digest


def test_writing_properties_needs_annotate(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: the reader (read only) gets 403; the deployer (deploy implies annotate) may; a missing item is 404."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    reader = rest(server, f"{STORAGE}/app/1?properties=a=1", "PUT", auth=("reader", "reader-pw"))
    assert reader.status_code == 403
    assert rest(server, f"{STORAGE}/app/1?properties=a=1", "PUT", auth=("deployer", "deployer-pw")).status_code == 204
    assert rest(server, f"{STORAGE}/app/9?properties=a=1", "PUT").status_code == 404
    assert rest(server, f"{STORAGE}/app/1?properties=", "PUT").status_code == 400
    assert rest(server, f"{STORAGE}/app/1?properties=a=1&recursive=maybe", "PUT").status_code == 400


def test_file_info_carries_sha1_md5_and_sha256(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: checksums and originalChecksums of a layer and of manifest.json are its true sha1, md5 and sha256."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    layer = IMAGE.layers[0]
    files = {f"app/1/{layer.digest.replace(':', '__')}": layer.data, "app/1/manifest.json": IMAGE.manifest.data}
    for path, data in files.items():
        info = rest(server, f"{STORAGE}/{path}").json()
        expected = {
            "sha1": hashlib.sha1(data).hexdigest(),
            "md5": hashlib.md5(data).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        assert info["checksums"] == expected
        assert info["originalChecksums"] == expected


def test_checksums_of_a_blob_written_before_they_were_kept(
    server: RefRegistryProcess, registry: RegistryClient
) -> None:
    """Workflow: a blob whose sha1/md5 row is missing is hashed once on the first File Info."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    layer = IMAGE.layers[1]
    with sqlite3.connect(server.data / "registry.db") as db:
        db.execute("DELETE FROM checksums WHERE digest=?", (layer.digest,))
    info = rest(server, f"{STORAGE}/app/1/{layer.digest.replace(':', '__')}").json()
    assert info["checksums"]["sha1"] == hashlib.sha1(layer.data).hexdigest()


def test_file_list_flat_and_deep(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: ?list gives a folder's files; &deep=1 everything below; &listFolders=1 the folders too."""
    registry.push(IMAGE, "team/app", "1").raise_for_status()
    flat = rest(server, f"{STORAGE}/team/app/1?list").json()
    assert flat["uri"] == f"{server.url}{STORAGE}/team/app/1"
    by_uri = {f["uri"]: f for f in flat["files"]}
    assert by_uri["/manifest.json"]["size"] == len(IMAGE.manifest.data)
    assert by_uri["/manifest.json"]["sha1"] == hashlib.sha1(IMAGE.manifest.data).hexdigest()
    assert by_uri["/manifest.json"]["sha2"] == IMAGE.digest.removeprefix("sha256:")
    assert by_uri["/manifest.json"]["folder"] is False
    assert rest(server, f"{STORAGE}/team?list").json()["files"] == []
    deep = rest(server, f"{STORAGE}/team?list&deep=1&listFolders=1").json()
    uris = [f["uri"] for f in deep["files"]]
    assert uris[:2] == ["/app", "/app/1"] and "/app/1/manifest.json" in uris
    assert next(f for f in deep["files"] if f["uri"] == "/app")["size"] == -1
    shallow = rest(server, f"{STORAGE}/team?list&deep=1&depth=2&listFolders=1").json()
    assert [f["uri"] for f in shallow["files"]] == ["/app", "/app/1"]
    assert rest(server, f"{STORAGE}/team/app/1/manifest.json?list").status_code == 400
    assert rest(server, f"{STORAGE}/team?list&depth=\u00b2&deep=1").status_code == 400


def test_item_statistics_count_downloads(server: RefRegistryProcess, registry: RegistryClient) -> None:
    """Workflow: ?stats counts downloads through /artifactory/<repo>/<path>, with the last time and user."""
    registry.push(IMAGE, "app", "1").raise_for_status()
    before = rest(server, f"{MANIFEST}?stats").json()
    assert before["downloadCount"] == 0 and before["uri"] == f"{server.url}{MANIFEST}"
    for _ in range(2):
        assert rest(server, "/artifactory/docker-local/app/1/manifest.json").content == IMAGE.manifest.data
    after = rest(server, f"{MANIFEST}?stats").json()
    assert after["downloadCount"] == 2
    assert after["lastDownloadedBy"] == "admin"
    assert after["lastDownloaded"] > 0
    assert {"remoteDownloadCount", "remoteLastDownloaded"} <= after.keys()

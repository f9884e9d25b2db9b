"""The probes of the faults of Artifactory's item REST: the folder tree, item properties, File Info,
File List and Item Statistics; registered in fault_probes.PROBES on import."""

from __future__ import annotations

import requests

from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN
from tests.fault_probes import IMAGE, admin, probe

NESTED = images.image("nested")


def storage(server: RefRegistryProcess, path: str, method: str = "GET") -> requests.Response:
    url = f"{server.url}/artifactory/api/storage/docker-local/{path}"
    return requests.request(method, url, auth=ADMIN, timeout=30)


def push_shared_folder(server: RefRegistryProcess) -> None:
    """Tag 1 of col/app and image col/app/1 (tag x): both in the folder col/app/1."""
    admin(server).push(IMAGE, "col/app", "1").raise_for_status()
    admin(server).push(NESTED, "col/app/1", "x").raise_for_status()


@probe("folder-delete-leaves-tags")
def shared_folder_delete_takes_the_tag(server: RefRegistryProcess) -> None:
    push_shared_folder(server)
    requests.delete(f"{server.url}/artifactory/docker-local/col/app/1", auth=ADMIN, timeout=30).raise_for_status()
    assert admin(server).manifest("col/app", "1").status_code == 404


@probe("nested-image-hides-tag")
def shared_folder_lists_the_tags_files(server: RefRegistryProcess) -> None:
    push_shared_folder(server)
    assert "/manifest.json" in {c["uri"] for c in storage(server, "col/app/1").json()["children"]}


@probe("property-writes-ignored")
def set_property_is_kept(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    storage(server, "app/1?properties=qa=done", "PUT").raise_for_status()
    assert storage(server, "app/1/manifest.json?properties").json()["properties"].get("qa") == ["done"]


@probe("property-set-replaces-all")
def set_property_keeps_the_others(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    storage(server, "app/1?properties=qa=done", "PUT").raise_for_status()
    assert storage(server, "app/1/manifest.json?properties").json()["properties"].get("docker.manifest") == ["1"]


@probe("file-info-sha256-only")
def file_info_has_sha1_and_md5(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    assert {"sha1", "md5", "sha256"} <= storage(server, "app/1/manifest.json").json()["checksums"].keys()


@probe("file-list-ignored")
def file_list_lists_files(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    assert "/manifest.json" in [f["uri"] for f in storage(server, "app/1?list").json().get("files", [])]


@probe("item-stats-ignored")
def item_stats_count_downloads(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    requests.get(f"{server.url}/artifactory/docker-local/app/1/manifest.json", auth=ADMIN, timeout=30)
    assert storage(server, "app/1/manifest.json?stats").json().get("downloadCount") == 1

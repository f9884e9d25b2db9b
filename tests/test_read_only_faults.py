"""The checks that read an existing image (they run only with --read-only) can fail: each is failed by
a fault of refregistry's catalogue, as the self-proof shows for every other check.

Each item starts refregistry with one fault, pushes the image the run will read, and runs the
reading checks against it in live mode; the fault-free item is the counter-proof, where all pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer
from tests.live_runs import run_live

pytestmark = pytest.mark.engine  # the pull check goes through the Docker engine

# The checks that read an existing image, and a fault each must fail with.
CAUGHT_BY = {
    "test_existing_image_tags_page_as_the_whole_list": "unsorted-tags",
    "test_catalog_pages_from_an_existing_image": "ignore-pagination",
    "test_existing_manifest_answers_its_digest_type_and_length": "wrong-content-digest",
    "test_existing_blobs_answer_head_and_get_with_their_digest": "blob-head-missing",
    "test_existing_blob_range_request_answers_206_with_those_bytes": "no-range",
    "test_absent_manifests_of_an_existing_image_are_refused": "malformed-reference-500",
    "test_existing_manifest_item_carries_its_docker_properties": "repo-name-property-missing",
    "test_storage_api_lists_an_existing_images_layout": "layout-colon-names",
    "test_existing_image_pulls_with_its_digest": "digest-pull-rewritten",
}


def read_only_run(start_server: StartServer, tmp_path: Path, faults: tuple[str, ...]) -> dict[str, str]:
    """A --read-only live run of the reading checks against refregistry with ``faults``."""
    live = start_server(PERMISSIONS_CONFIG, faults)
    registry = RegistryClient(live.url, "/v2/docker-local/", ADMIN)
    pushed = [images.image(f"probe/app{n}") for n in range(3)]
    for n, image in enumerate(pushed):  # the catalog check pages past the image it reads
        registry.push(image, f"probe/app{n}", "1.0", expect=201)
    for tag in ("1.1", "0.9"):  # pushed out of lexical order, so an unsorted list shows
        registry.push(images.image(f"probe/app1-{tag}"), "probe/app1", tag, expect=201)
    run_live(
        tmp_path,
        *("--target", live.url, "--repo", "docker-local", "--username", ADMIN[0], "--password", ADMIN[1]),
        *("--read-only", "--probe-image", "probe/app1:1.0", "--probe-image", f"probe/app2@{pushed[2].digest}"),
        *("--capabilities", "catalog,oci_pull,properties,push_pull"),
    )
    return worst_by_check(tmp_path)


def worst_by_check(tmp_path: Path) -> dict[str, str]:
    """Each reading check's outcome over its parametrizations: failed if any failed, else the first."""
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    outcomes: dict[str, list[str]] = {}
    for result in report["results"]:
        outcomes.setdefault(result["nodeid"].split("::")[1].split("[")[0], []).append(result["outcome"])
    return {name: "failed" if "failed" in outcomes[name] else outcomes[name][0] for name in CAUGHT_BY}


def test_every_reading_check_passes_without_a_fault(start_server: StartServer, tmp_path: Path) -> None:
    """Against a clean refregistry every reading check runs and passes."""
    assert read_only_run(start_server, tmp_path, ()) == dict.fromkeys(CAUGHT_BY, "passed")


@pytest.mark.parametrize("check", sorted(CAUGHT_BY))
def test_a_reading_check_fails_with_its_fault(start_server: StartServer, tmp_path: Path, check: str) -> None:
    """With its fault on, the reading check fails (not errors, not skipped)."""
    assert read_only_run(start_server, tmp_path, (CAUGHT_BY[check],))[check] == "failed"

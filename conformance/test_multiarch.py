"""multiarch: manifest lists and OCI indexes pushed with the real tools, read back, pulled per platform.

Each check runs twice: on an OCI image index pushed by ``skopeo copy --all`` from an OCI
layout, and on a Docker manifest list made by ``docker manifest`` from two engine pushes.
Both hold an amd64 image and an arm64/v8 one, built locally for the test.  One check pushes over
HTTP: a list misstating a platform manifest's size, which no client could pull through.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.clients.engine import Engine
from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import images
from fixtures.content.multiarch import PushedList, pull_platform, push_docker_list, push_oci_index
from fixtures.stacks.defs import Endpoint
from fixtures.targets import Target

pytestmark = pytest.mark.capability("multiarch")


@pytest.fixture(params=["oci-index", "docker-list"])
def pushed(
    request: pytest.FixtureRequest, docker: Engine, target: Target, endpoint: Endpoint, image_name: str
) -> Iterator[PushedList]:
    """A two-platform list or index under ``image_name:1``, pushed by skopeo or by docker manifest."""
    docker.sign_in(endpoint.registry_host, target.deployer)
    with tempfile.TemporaryDirectory(prefix="refconf-multiarch-") as tmp:
        if request.param == "oci-index":
            yield push_oci_index(target, endpoint, image_name, "1", Path(tmp))
        else:
            yield push_docker_list(docker, target, endpoint, image_name, "1")


def platforms_in(document: bytes) -> dict[str, dict[str, str]]:
    """Each entry's manifest digest -> the platform the list or index gives it."""
    return {entry["digest"]: entry.get("platform", {}) for entry in json.loads(document)["manifests"]}


def test_list_reads_back_byte_identical(registry: RegistryClient, pushed: PushedList) -> None:
    """The list reads back byte for byte under its tag, with its media type and digest in the headers."""
    served = registry.manifest(pushed.name, pushed.tag, accept=pushed.media_type, expect=200)
    assert served.headers.get("Content-Type") == pushed.media_type
    assert served.headers.get("Docker-Content-Digest") == pushed.digest
    assert images.digest_of(served.content) == pushed.digest, f"served other bytes: {served.text[:300]}"
    assert platforms_in(served.content) == {c.digest: c.platform for c in pushed.children}


def test_engine_pulls_the_image_of_the_platform_it_asks_for(docker: Engine, pushed: PushedList) -> None:
    """docker pull --platform linux/arm64 of the tag gets the arm64/v8 image, linux/amd64 the amd64 one."""
    arm, amd = pushed.child("arm64"), pushed.child("amd64")
    pulled = pull_platform(docker, pushed.ref, "linux/arm64")
    assert (pulled.id, pulled.os, pulled.architecture, pulled.variant) == (arm.config, "linux", "arm64", "v8")
    pulled = pull_platform(docker, pushed.ref, "linux/amd64")
    assert (pulled.id, pulled.os, pulled.architecture) == (amd.config, "linux", "amd64")


def test_each_platform_manifest_answers_by_its_digest(registry: RegistryClient, pushed: PushedList) -> None:
    """Each platform manifest of the list is served by its digest, and its config is of that platform."""
    for child in pushed.children:
        served = registry.manifest(
            pushed.name, child.digest, accept=child.media_type, expect=200, why=str(child.platform)
        )
        assert served.headers.get("Content-Type") == child.media_type
        assert served.headers.get("Docker-Content-Digest") == child.digest
        assert images.digest_of(served.content) == child.digest
        assert served.json()["config"]["digest"] == child.config
        config = registry.request("GET", f"{pushed.name}/blobs/{child.config}", expect=200)
        shown = {k: config.json()[k] for k in ("os", "architecture", "variant") if k in config.json()}
        assert shown == child.platform


def test_single_image_client_never_gets_the_list(registry: RegistryClient, pushed: PushedList) -> None:
    """A client accepting only single-image manifests gets 404 MANIFEST_UNKNOWN (refregistry), or the
    linux/amd64 image (Docker's schema-2 fallback); never the list in a type it did not ask for."""
    answer = registry.manifest(pushed.name, pushed.tag, accept=pushed.single_type, expect={200, 404})
    if answer.status_code == 200:
        served = (answer.headers.get("Content-Type"), answer.headers.get("Docker-Content-Digest"))
        assert served == (pushed.single_type, pushed.child("amd64").digest), answer.text[:200]
    else:
        assert error_code(answer) == "MANIFEST_UNKNOWN", f"{answer.headers.get('Content-Type')}: {answer.text[:200]}"


def test_list_misstating_a_platform_manifest_size_is_refused(registry: RegistryClient, image_name: str) -> None:
    """A list whose entry gives another size than its platform manifest has is refused with 400
    MANIFEST_INVALID: clients check what they fetch against that size, so the platform could never be pulled."""
    amd, arm = images.image(f"{image_name}-amd"), images.image(f"{image_name}-arm", platform="linux/arm64/v8")
    wrong = images.with_entry_size(images.index([amd, arm], oci=False), 1, len(arm.manifest.data) + 1)
    answer = registry.push(wrong, image_name, "1", expect=400, why="the arm64 entry's size is one byte too many")
    assert error_code(answer) == "MANIFEST_INVALID", answer.text[:300]
    registry.manifest(image_name, wrong.digest, expect=404, why="the refused list")

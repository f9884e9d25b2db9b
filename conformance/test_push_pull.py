"""push_pull: tag, push and pull with the real engine; layer reuse; permissions; what Artifactory shows."""

from __future__ import annotations

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.engine import EXISTS, PUSHED, Engine
from fixtures.clients.probe import ProbeImage
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.stacks.defs import Endpoint
from fixtures.targets import Target

pytestmark = pytest.mark.capability("push_pull")

BASE = {"base.bin": bytes(range(256)) * 64}


def app_layer(image_name: str) -> dict[str, bytes]:
    """A layer no other test pushes (so 'already exists' can only mean this test's base)."""
    return {"app.bin": f"registry conformance push_pull {image_name}\n".encode() * 64}


LABELS = {"org.example.team": "platform", "org.example.purpose": "conformance"}


def test_pushed_image_pulls_back_with_the_same_digest(
    docker: Engine, registry: RegistryClient, endpoint: Endpoint, target: Target, image_name: str
) -> None:
    """Push a local image, remove it, pull it back: engine and registry agree on one digest throughout."""
    ref = endpoint.image_ref(image_name, "1")
    docker.build(ref, {**BASE, **app_layer(image_name)})
    docker.sign_in(endpoint.registry_host, target.deployer)
    digest = docker.push(ref).check()
    assert registry.digest_of(image_name, "1") == digest
    docker.remove(ref)
    pulled = docker.pull(ref)
    assert f"{endpoint.image_ref(image_name)}@{digest}" in pulled.attrs["RepoDigests"]


def test_second_image_uploads_only_its_new_layer(
    docker: Engine, endpoint: Endpoint, target: Target, image_name: str
) -> None:
    """An image sharing its base layer with one already pushed uploads only its own layer."""
    docker.sign_in(endpoint.registry_host, target.deployer)
    base, app = endpoint.image_ref(image_name, "base"), endpoint.image_ref(image_name, "app")
    docker.build(base, BASE)
    docker.push(base).check()
    docker.build(app, {**BASE, **app_layer(image_name)})
    pushed = docker.push(app)
    pushed.check()
    assert sorted(pushed.layers.values()) == sorted([EXISTS, PUSHED]), pushed.layers


@pytest.mark.auth
def test_user_without_deploy_permission_is_refused(
    docker: Engine, endpoint: Endpoint, reader: tuple[str, str], image_name: str
) -> None:
    """A user who may only read is refused a push with a denied error."""
    ref = endpoint.image_ref(image_name, "1")
    docker.build(ref, app_layer(image_name))
    docker.login(endpoint.registry_host, *reader)
    errors = docker.push(ref).errors
    assert errors, "a user without deploy permission pushed"
    assert any("denied" in e.lower() or "unauthorized" in e.lower() for e in errors), errors


@pytest.mark.auth
def test_user_with_read_permission_pulls(
    registry: RegistryClient, reader_registry: RegistryClient, image_name: str
) -> None:
    """A user who may only read pulls what was pushed: the manifest and every blob, byte for byte."""
    image = images.image(image_name)
    registry.push(image, image_name, "1", expect=201)
    assert reader_registry.manifest(image_name, "1", expect=200).content == image.manifest.data
    for blob in image.blobs:
        assert reader_registry.blob(image_name, blob.digest, expect=200).content == blob.data


@pytest.mark.artifactory
def test_pushed_image_shows_in_artifactory_with_its_labels(
    docker: Engine, endpoint: Endpoint, target: Target, admin: AdminClient, image_name: str
) -> None:
    """The pushed tag is a manifest.json item under the repository, its labels docker.label.* properties."""
    ref = endpoint.image_ref(image_name, "1")
    docker.build(ref, app_layer(image_name), labels=LABELS)
    docker.sign_in(endpoint.registry_host, target.deployer)
    digest = docker.push(ref).check()
    item = f"{image_name}/1/manifest.json"
    admin.storage(endpoint.repo, item, expect=200)
    properties = admin.properties(endpoint.repo, item)
    assert properties.get("docker.manifest.digest") == [digest], properties
    assert properties.get("docker.repoName") == [image_name]
    assert {k: properties.get(f"docker.label.{k}") for k in LABELS} == {k: [v] for k, v in LABELS.items()}


def test_manifest_put_answers_the_digest_of_what_was_sent(registry: RegistryClient, image_name: str) -> None:
    """A manifest PUT answers 201 with Docker-Content-Digest and Location naming the manifest's own digest."""
    image = images.image(image_name)
    answer = registry.push(image, image_name, "1", expect=201)
    assert answer.headers.get("Docker-Content-Digest") == image.digest
    assert answer.headers.get("Location", "").endswith(f"/manifests/{image.digest}")


@pytest.mark.read_only
def test_existing_image_pulls_with_its_digest(
    docker: Engine, endpoint: Endpoint, target: Target, probe_image: ProbeImage
) -> None:
    """docker pull of an existing image (a pull is GETs and HEADs): the engine records the digest the
    registry serves for it."""
    docker.sign_in(endpoint.registry_host, target.admin)
    ref = endpoint.image_ref(probe_image.name, probe_image.tag)
    if probe_image.tag is None:
        ref = f"{endpoint.image_ref(probe_image.name)}@{probe_image.digest}"
    pulled = docker.pull(ref)
    assert f"{endpoint.image_ref(probe_image.name)}@{probe_image.digest}" in pulled.attrs["RepoDigests"]

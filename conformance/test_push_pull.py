"""push_pull: tag, push and pull with the real engine; layer reuse; permissions; what Artifactory shows.

Whatever stands between client and registry must pass real pushes and pulls: a layer of realistic
size (64 MiB) pushed whole and streamed, and read back by a client that pauses; a tag pushed again
read back new; one tag fetched with different Accept headers in turn; upload Locations that name
what the client used.  These are what a reverse proxy's body limit, request buffering, timeouts,
response cache and forwarding headers break (README, "Your own proxy config").
"""

from __future__ import annotations

import pytest

from fixtures.clients import bulk
from fixtures.clients.admin import AdminClient
from fixtures.clients.engine import EXISTS, PUSHED, Engine
from fixtures.clients.probe import ProbeImage
from fixtures.clients.registry import RegistryClient, with_digest
from fixtures.content import images
from fixtures.content.large import LargeBlob
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


# -- what a proxy in front of the registry must pass ----------------------------------------------------
def test_large_layer_pushes_in_one_request(registry: RegistryClient, image_name: str) -> None:
    """A 64 MiB layer pushed in one PUT with its length (a monolithic upload) is stored whole."""
    layer = LargeBlob(f"{image_name}/whole")
    bulk.push_whole(registry, image_name, layer)
    assert bulk.stored_size(registry, image_name, layer.digest) == layer.size


def test_large_layer_streams_to_the_registry_while_it_is_sent(registry: RegistryClient, image_name: str) -> None:
    """A 64 MiB layer sent in one chunked PATCH, as docker push sends it, reaches the registry while it is
    being sent (not held back until it ends) and is stored whole."""
    layer = LargeBlob(f"{image_name}/streamed")
    arrived = bulk.push_streamed(registry, image_name, layer)
    assert arrived > 0, (
        f"halfway through a chunked upload the registry had received none of the {layer.size // 2 >> 20} MiB sent "
        f"(waited {bulk.ARRIVAL_TIMEOUT:.0f}s): the request body is buffered before it reaches the registry"
    )
    assert bulk.stored_size(registry, image_name, layer.digest) == layer.size


def test_large_layer_reads_whole_by_a_client_that_pauses(registry: RegistryClient, image_name: str) -> None:
    """A 64 MiB layer read by a client that pauses a few seconds partway (a slow link) arrives whole:
    no timeout between client and registry cuts a large blob read short."""
    layer = LargeBlob(f"{image_name}/read")
    bulk.push_whole(registry, image_name, layer)
    read = bulk.read_stalled(registry, image_name, layer.digest)
    assert (read.size, read.digest) == (layer.size, layer.digest), (
        f"the blob read was cut after {read.size} of {layer.size} bytes when the client paused "
        f"{bulk.STALL:.0f}s: {read.error or 'the body ended early'} (a timeout shorter than the pause)"
    )


def test_repushed_tag_reads_back_its_new_manifest(registry: RegistryClient, image_name: str) -> None:
    """A tag read, pushed again with new content and read again gets the new manifest at once: nothing
    between client and registry serves the old one."""
    old, new = images.image(f"{image_name}-old"), images.image(f"{image_name}-new")
    registry.push(old, image_name, "latest", expect=201)
    registry.manifest(image_name, "latest", expect=200)
    registry.push(new, image_name, "latest", expect=201)
    served = images.digest_of(registry.manifest(image_name, "latest", expect=200).content)
    assert served == new.digest, (
        f"GET manifests/latest after the tag was pushed again served {served}"
        + (" (the previous manifest: a response cache keyed by tag)" if served == old.digest else "")
        + f", not the new {new.digest}"
    )


def test_tag_fetched_with_each_accept_gets_what_that_accept_allows(registry: RegistryClient, image_name: str) -> None:
    """One tag of a manifest list fetched in turn accepting lists, accepting single images only, and lists
    again: the list, then never the list (404, or Docker's amd64 fallback), then the list."""
    amd64, arm64 = images.image(f"{image_name}-amd64"), images.image(f"{image_name}-arm64", platform="linux/arm64/v8")
    listing = images.index([amd64, arm64], oci=False)
    registry.push(listing, image_name, "multi", expect=201)
    for accept, allowed in (
        (images.DOCKER_LIST, {200}),
        (images.DOCKER_MANIFEST, {200, 404}),
        (images.DOCKER_LIST, {200}),
    ):
        answer = registry.manifest(image_name, "multi", accept=accept, expect=allowed)
        served = (answer.headers.get("Content-Type"), images.digest_of(answer.content))
        wanted = (
            {(images.DOCKER_LIST, listing.digest)}
            if accept == images.DOCKER_LIST
            else {(images.DOCKER_MANIFEST, amd64.digest)}
        )
        assert answer.status_code == 404 or served in wanted, (
            f"GET manifests/multi with Accept: {accept} was answered {served[0]} {served[1]}, what the request "
            "before it with another Accept got: a response cache that ignores Accept"
            if served[1] in (listing.digest, amd64.digest)
            else f"GET manifests/multi with Accept: {accept} was answered {served}"
        )


def test_upload_location_names_the_scheme_host_and_port_the_client_used(
    registry: RegistryClient, image_name: str
) -> None:
    """An upload's Location, and the stored blob's, name the scheme, host and port the client used (or are
    relative): behind a proxy, X-Forwarded-Proto and the client's Host reach the registry."""
    blob = images.layer(image_name)
    started = registry.request("POST", f"{image_name}/blobs/uploads/", expect=202)
    assert bulk.foreign_location(registry, started) is None, bulk.foreign_location(registry, started)
    url = with_digest(registry.location(image_name, started), blob.digest)
    stored = registry.request("PUT", url, data=blob.data, headers=bulk.OCTETS, expect=201)
    assert bulk.foreign_location(registry, stored) is None, bulk.foreign_location(registry, stored)

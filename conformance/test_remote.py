"""remote: a remote (pull-through) repository fetches from its upstream, caches, and serves the cache
when upstream is gone; it sees a tag moved upstream; it takes no pushes.

On an embedded stack each check starts an empty upstream registry (the CNCF registry) beside the
stack and points the remote repository at it over the repository REST API (the ``upstream``
fixture).  On a live target (``--remote-repo``, ``--remote-image``) the upstream is the user's: the
checks that change or stop it are skipped, the others pull ``--remote-image``.
"""

from __future__ import annotations

import pytest

from fixtures.actors import RemoteImage
from fixtures.clients.engine import Engine
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.upstream import Upstream
from fixtures.targets import Target

pytestmark = pytest.mark.capability("remote")


def pull_through(docker: Engine, target: Target, image_name: str, tag: str) -> str:
    """Pull ``image_name:tag`` from the remote repository with the engine; the digest it recorded."""
    ep = target.endpoint(target.remote_repo)
    docker.sign_in(ep.registry_host, target.deployer)
    ref = ep.image_ref(image_name, tag)
    pulled = docker.pull(ref)
    docker.remove(ref)
    (digest,) = [d.split("@", 1)[1] for d in pulled.attrs["RepoDigests"] if d.startswith(ep.image_ref(image_name))]
    return digest


def test_pull_through_gets_the_upstream_image(docker: Engine, target: Target, remote_image: RemoteImage) -> None:
    """An image its upstream has pulls through the remote repository with the engine, digest unchanged
    (the one pushed upstream; for ``--remote-image``, the one the remote repository answers), twice."""
    for _ in range(2):  # fetched from upstream, then from the cache
        assert pull_through(docker, target, remote_image.name, remote_image.tag) == remote_image.digest


def test_cache_serves_the_image_when_upstream_is_gone(
    docker: Engine, target: Target, upstream: Upstream, image_name: str
) -> None:
    """Once pulled, an image still pulls from the remote repository after its upstream has gone."""
    image = images.image(image_name, layers=2)
    upstream.client().push(image, image_name, "1").raise_for_status()
    pull_through(docker, target, image_name, "1")
    upstream.stop()
    assert pull_through(docker, target, image_name, "1") == image.digest


def test_uncached_image_with_upstream_gone_is_manifest_unknown(
    remote: RegistryClient, upstream: Upstream, image_name: str
) -> None:
    """With upstream gone, an image never pulled before answers 404 MANIFEST_UNKNOWN, not an error page."""
    upstream.stop()
    answer = remote.manifest(image_name, "1", expect=404)
    assert answer.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"


def test_tag_moved_upstream_is_seen_after_the_retrieval_period(
    remote: RegistryClient, upstream: Upstream, image_name: str
) -> None:
    """A tag re-pushed upstream resolves to the new image once the retrieval cache period (0 s here) passed."""
    first, second = images.image(f"{image_name}-1"), images.image(f"{image_name}-2")
    upstream.client().push(first, image_name, "1").raise_for_status()
    assert remote.digest_of(image_name, "1") == first.digest
    upstream.client().push(second, image_name, "1").raise_for_status()
    assert remote.digest_of(image_name, "1") == second.digest


def test_push_to_a_remote_repository_is_denied(remote: RegistryClient, image_name: str) -> None:
    """A remote repository is a cache: a blob upload to it is refused with DENIED."""
    answer = remote.upload(image_name, images.layer(image_name), expect=403)
    assert answer.json()["errors"][0]["code"] == "DENIED"

"""promotion: ``POST /api/docker/<repo>/v2/promote`` copies or moves tags and images between repositories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Unpack

import pytest
import requests

from fixtures.clients.admin import AdminClient
from fixtures.clients.engine import Engine
from fixtures.clients.expect import Expecting
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.stacks.defs import Endpoint
from fixtures.targets import Target

pytestmark = pytest.mark.capability("promotion")


@dataclass
class Promotion:
    """One image of the run in the source repository, and the repository it is promoted to."""

    admin: AdminClient
    source: RegistryClient
    target: RegistryClient
    repo: str
    to: str
    name: str

    def push(self, tag: str, *, shared: tuple[images.Blob, ...] = (), where: RegistryClient | None = None) -> str:
        image = images.image(f"{self.name}:{tag}:{where is not None}", shared=shared)
        (where or self.source).push(image, self.name, tag).raise_for_status()
        return image.digest

    def promote(
        self, fields: dict[str, object], *, by: AdminClient | None = None, **expecting: Unpack[Expecting]
    ) -> requests.Response:
        """Promote the image to ``to`` as the admin (or ``by``), with Artifactory's other ``fields``."""
        body = {"targetRepo": self.to, "dockerRepository": self.name, **fields}
        return (by or self.admin).promote(self.repo, body, **expecting)


@pytest.fixture
def promotion(
    admin: AdminClient,
    registry: RegistryClient,
    registry_of: Callable[[str], RegistryClient],
    endpoint: Endpoint,
    promote_to: str,
    image_name: str,
) -> Promotion:
    return Promotion(admin, registry, registry_of(promote_to), endpoint.repo, promote_to, image_name)


def test_copy_leaves_the_same_digest_in_both(promotion: Promotion) -> None:
    """copy: true puts the tag in the target with the source's digest and leaves the source alone."""
    digest = promotion.push("1.0")
    promotion.promote({"tag": "1.0", "copy": True}, expect=200)
    assert promotion.target.digest_of(promotion.name, "1.0") == digest
    assert promotion.source.digest_of(promotion.name, "1.0") == digest


def test_move_leaves_nothing_in_the_source(promotion: Promotion) -> None:
    """copy: false moves the tag: the target has it, the source answers 404 for tag and digest."""
    digest = promotion.push("1.0")
    promotion.promote({"tag": "1.0", "copy": False}, expect=200)
    assert promotion.target.digest_of(promotion.name, "1.0") == digest
    promotion.source.manifest(promotion.name, "1.0", expect=404)
    promotion.source.manifest(promotion.name, digest, expect=404)


def test_retag_on_the_way(promotion: Promotion) -> None:
    """targetDockerRepository and targetTag rename the image and the tag in the target."""
    digest = promotion.push("rc1")
    renamed = f"{promotion.name}-released"
    promotion.promote({"targetDockerRepository": renamed, "tag": "rc1", "targetTag": "1.0.0", "copy": True}, expect=200)
    assert promotion.target.digest_of(renamed, "1.0.0") == digest


def test_whole_image_without_a_tag(promotion: Promotion) -> None:
    """No tag promotes every tag of the image."""
    digests = {tag: promotion.push(tag) for tag in ("1", "2")}
    promotion.promote({"copy": True}, expect=200)
    assert {tag: promotion.target.digest_of(promotion.name, tag) for tag in digests} == digests


def test_overriding_a_tag_keeps_layers_other_tags_share(promotion: Promotion) -> None:
    """Promoting onto an existing target tag never deletes a layer another target tag still uses."""
    base = images.layer(f"{promotion.name}-base")
    stays = promotion.push("stays", shared=(base,), where=promotion.target)
    promotion.push("prod", shared=(base,), where=promotion.target)
    promotion.push("prod")
    promotion.promote({"tag": "prod", "copy": False}, expect=200)
    assert promotion.target.digest_of(promotion.name, "stays") == stays
    assert promotion.target.has_blob(promotion.name, base.digest)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"tag": "nope"}, 404),
        ({"tag": "1.0", "targetTag": "-not-a-tag"}, 400),
        ({"tag": "1.0", "copy": "yes"}, 400),
    ],
    ids=["unknown-tag", "invalid-target-tag", "copy-not-boolean"],
)
def test_bad_promotions_are_refused(promotion: Promotion, body: dict[str, object], status: int) -> None:
    """An unknown tag, a target tag breaking the OCI tag rule or a malformed field gets a clear 4xx."""
    digest = promotion.push("1.0")
    promotion.promote(body, expect=status)
    assert promotion.source.digest_of(promotion.name, "1.0") == digest, "a refused promotion changed the source"


def test_malformed_json_is_refused(admin: AdminClient, endpoint: Endpoint) -> None:
    """A body that is not JSON answers 400, not 500."""
    json_type = {"Content-Type": "application/json"}
    admin.request("POST", f"api/docker/{endpoint.repo}/v2/promote", data=b"{not json", headers=json_type, expect=400)


def test_reader_may_not_promote(promotion: Promotion, reader_admin: AdminClient) -> None:
    """A user who may only read is refused with 403."""
    promotion.push("1.0")
    promotion.promote({"tag": "1.0", "copy": True}, by=reader_admin, expect=403)


# -- Copy Item and Move Item on a Docker folder: the image path is the folder path --------------------
def pulls_with_the_engine(docker: Engine, target: Target, repo: str, name: str, digest: str) -> None:
    """``name:1`` pulls from ``repo`` with the engine as ``digest``."""
    ep = target.endpoint(repo)
    docker.sign_in(ep.registry_host, target.deployer)
    pulled = docker.pull(ep.image_ref(name, "1"))
    assert f"{ep.image_ref(name)}@{digest}" in pulled.attrs["RepoDigests"], pulled.attrs["RepoDigests"]


def test_copy_api_copies_an_image_folder_pullable_at_its_new_path(
    promotion: Promotion, docker: Engine, target: Target
) -> None:
    """POST /api/copy of an image folder to /<target repo>/<new path>: the image pulls from the target under
    that path, and the source keeps it."""
    digest = promotion.push("1")
    copied = f"{promotion.name}-copied"
    promotion.admin.copy(promotion.repo, promotion.name, f"/{promotion.to}/{copied}", expect=200)
    pulls_with_the_engine(docker, target, promotion.to, copied, digest)
    assert promotion.source.digest_of(promotion.name, "1") == digest


def test_move_api_moves_an_image_folder_pullable_at_its_new_path(
    promotion: Promotion, docker: Engine, target: Target
) -> None:
    """POST /api/move of an image folder: the image pulls from the target under the new path; the source
    answers 404 for its tag."""
    digest = promotion.push("1")
    moved = f"{promotion.name}-moved"
    promotion.admin.move(promotion.repo, promotion.name, f"/{promotion.to}/{moved}", expect=200)
    pulls_with_the_engine(docker, target, promotion.to, moved, digest)
    promotion.source.manifest(promotion.name, "1", expect=404)

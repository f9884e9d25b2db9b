"""Tag retention at HTTP level: the seed's Max Unique Tags x Tag Retention matrix, revisions, lists."""

from __future__ import annotations

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.config import ConfigError
from refregistry.configfile import parse_config
from tests.conftest import ADMIN, StartServer

REPOS = {
    "docker-local": {},
    "both-local": {"maxUniqueTags": 3, "dockerTagRetention": 3},
    "unique-local": {"maxUniqueTags": 2},
    "revisions-local": {"dockerTagRetention": 3},
}
USERS = {"admin": {"password": "password", "admin": True}, "dev": {"password": "dev-pw"}}
CONFIG = {"users": USERS, "localRepositories": REPOS}


@pytest.fixture
def rr(start_server: StartServer) -> RefRegistryProcess:
    return start_server(CONFIG)


def client(server: RefRegistryProcess, repo: str) -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", ADMIN)


def push(reg: RegistryClient, tag: str, n: int) -> str:
    image = images.image(f"{tag}-{n}")
    reg.push(image, "app", tag).raise_for_status()
    return image.digest


def present(reg: RegistryClient, reference: str) -> bool:
    return reg.manifest("app", reference).status_code == 200


def test_seed_matrix_max_unique_3_retention_3(rr: RefRegistryProcess) -> None:
    """The documented matrix: V1.0.0 overwritten twice, three more tags; V2.0.1 evicts V1.0.0 and its SHAs."""
    reg = client(rr, "both-local")
    v100 = [push(reg, "V1.0.0", n) for n in (1, 2, 3)]
    assert present(reg, "V1.0.0") and all(present(reg, d) for d in v100), "R=3 keeps the tag and 2 revisions"
    others = {tag: push(reg, tag, 1) for tag in ("V1.0.1", "V2.0.0")}
    assert reg.tags("app").json()["tags"] == ["V1.0.0", "V1.0.1", "V2.0.0"]
    others["V2.0.1"] = push(reg, "V2.0.1", 1)
    assert reg.tags("app").json()["tags"] == ["V1.0.1", "V2.0.0", "V2.0.1"]
    assert [present(reg, d) for d in v100] == [False, False, False], "V1.0.0 went with all its revisions"
    assert all(reg.digest_of("app", tag) == digest for tag, digest in others.items())


def test_revisions_are_kept_up_to_the_limit_oldest_first_out(rr: RefRegistryProcess) -> None:
    """Tag Retention 3: four pushes of latest keep the newest and two revisions; the first goes."""
    reg = client(rr, "revisions-local")
    pushed = [push(reg, "latest", n) for n in (1, 2, 3, 4)]
    assert [present(reg, d) for d in pushed] == [False, True, True, True]
    assert reg.digest_of("app", "latest") == pushed[-1]


def test_default_retention_replaces_on_overwrite(rr: RefRegistryProcess) -> None:
    """Tag Retention 1 (the default): the overwritten revision is not kept."""
    reg = client(rr, "docker-local")
    first, second = push(reg, "1.0", 1), push(reg, "1.0", 2)
    assert (present(reg, first), present(reg, second)) == (False, True)


def test_max_unique_tags_evicts_latest_too(rr: RefRegistryProcess) -> None:
    """latest is not exempt: it is the oldest tag name, so it goes first."""
    reg = client(rr, "unique-local")
    for tag in ("latest", "1", "2"):
        push(reg, tag, 1)
    assert reg.tags("app").json()["tags"] == ["1", "2"]


@pytest.mark.parametrize(
    ("by", "complete_override", "platforms_stay"),
    [("list", False, True), ("list", True, False), ("image", False, False), ("image", True, False)],
    ids=["list-over-list", "list-over-list-complete-override", "image-over-list", "image-over-list-complete-override"],
)
def test_an_overwritten_lists_platforms_stay_only_under_another_list(
    start_server: StartServer, by: str, complete_override: bool, platforms_stay: bool
) -> None:
    """A list overwritten by a list goes alone (unless the system property says complete override);
    overwritten by a single image it is replaced whole, its platforms with it."""
    props = {"artifactory.docker.complete.manifest.override.enabled": complete_override}
    reg = client(start_server({**CONFIG, "systemProperties": props}), "docker-local")
    amd, arm = images.image("amd"), images.image("arm", platform="linux/arm64")
    listing = images.index([amd, arm], oci=False)
    reg.push(listing, "app", "1").raise_for_status()
    if by == "list":
        newer = images.index([images.image("amd-2"), images.image("s390x", platform="linux/s390x")], oci=False)
        reg.push(newer, "app", "1").raise_for_status()
    else:
        push(reg, "1", 9)
    assert not present(reg, listing.digest)
    assert (present(reg, amd.digest), present(reg, arm.digest)) == (platforms_stay, platforms_stay)


def test_an_image_overwriting_a_list_it_belongs_to_stays(rr: RefRegistryProcess) -> None:
    """A list overwritten by one of its own platform images: that image is the tag now, the other platform goes."""
    reg = client(rr, "docker-local")
    amd, arm = images.image("amd"), images.image("arm", platform="linux/arm64")
    reg.push(images.index([amd, arm], oci=False), "app", "1").raise_for_status()
    reg.put_manifest("app", "1", amd.manifest).raise_for_status()
    assert reg.digest_of("app", "1") == amd.digest
    assert not present(reg, arm.digest)
    assert all(reg.has_blob("app", blob.digest) for blob in amd.blobs)


def test_a_list_overwriting_an_image_replaces_it_whole(rr: RefRegistryProcess) -> None:
    """An image overwritten by a list is gone, its own layer with it; the list and its platforms are there."""
    reg = client(rr, "docker-local")
    old, amd, arm = images.image("old"), images.image("amd"), images.image("arm", platform="linux/arm64")
    reg.push(old, "app", "1").raise_for_status()
    listing = images.index([amd, arm], oci=False)
    reg.push(listing, "app", "1").raise_for_status()
    assert reg.digest_of("app", "1") == listing.digest
    assert not present(reg, old.digest) and not reg.has_blob("app", old.layers[-1].digest)
    assert (present(reg, amd.digest), present(reg, arm.digest)) == (True, True)


def test_a_list_overwriting_an_image_it_names_keeps_that_image(rr: RefRegistryProcess) -> None:
    """An image overwritten by a list that names it is the list's platform manifest now: it stays."""
    reg = client(rr, "docker-local")
    amd, arm = images.image("amd"), images.image("arm", platform="linux/arm64")
    reg.push(amd, "app", "1").raise_for_status()
    reg.push(images.index([amd, arm], oci=False), "app", "1").raise_for_status()
    assert (present(reg, amd.digest), present(reg, arm.digest)) == (True, True)
    assert all(reg.has_blob("app", blob.digest) for blob in amd.blobs)


def test_evicting_a_list_revision_takes_its_platforms(rr: RefRegistryProcess) -> None:
    """Beyond Tag Retention a list revision is evicted as one context, with its sub-manifests."""
    reg = client(rr, "revisions-local")
    amd, arm = images.image("amd"), images.image("arm", platform="linux/arm64")
    reg.push(images.index([amd, arm], oci=False), "app", "1").raise_for_status()
    for n in (2, 3):
        push(reg, "1", n)
    assert (present(reg, amd.digest), present(reg, arm.digest)) == (True, True), "kept as a revision"
    push(reg, "1", 4)
    assert (present(reg, amd.digest), present(reg, arm.digest)) == (False, False)


def test_unknown_system_property_is_refused() -> None:
    """systemProperties takes only the properties refregistry honours, each a boolean."""
    with pytest.raises(ConfigError, match=r"unknown key 'artifactory\.other'"):
        parse_config({"systemProperties": {"artifactory.other": True}})
    with pytest.raises(ConfigError, match="expected true or false"):
        parse_config({"systemProperties": {"artifactory.docker.complete.manifest.override.enabled": "yes"}})


def test_a_revision_another_tag_holds_stays(rr: RefRegistryProcess) -> None:
    """Overwriting a tag never removes a manifest that another tag still points at."""
    reg = client(rr, "docker-local")
    shared = images.image("shared")
    reg.push(shared, "app", "a").raise_for_status()
    reg.put_manifest("app", "b", shared.manifest).raise_for_status()
    push(reg, "a", 2)
    assert reg.digest_of("app", "b") == shared.digest


def test_evicted_tag_is_restored_from_the_trash_can(rr: RefRegistryProcess) -> None:
    """A tag Max Unique Tags evicted comes back, list members and all, through the trash restore API."""
    reg = client(rr, "unique-local")
    amd, arm = images.image("amd"), images.image("arm", platform="linux/arm64")
    listing = images.index([amd, arm], oci=False)
    reg.push(listing, "app", "old").raise_for_status()
    for tag in ("1", "2"):
        push(reg, tag, 1)
    assert not present(reg, "old") and not present(reg, amd.digest)
    url = f"{rr.url}/artifactory/api/trash/restore/unique-local/app/old"
    answer = requests.post(url, auth=ADMIN, timeout=30)
    assert (answer.status_code, answer.text) == (200, "Successfully restored trash items")
    assert reg.digest_of("app", "old") == listing.digest
    assert all(present(reg, image.digest) for image in (amd, arm))
    assert all(reg.has_blob("app", blob.digest) for blob in amd.blobs)
    again = requests.post(url, auth=ADMIN, timeout=30)
    assert again.status_code == 404 and "Could not find trash item" in again.json()["errors"][0]["message"]


def test_emptying_the_trash_needs_an_admin(rr: RefRegistryProcess) -> None:
    """Only an admin may empty the trash can."""
    answer = requests.post(f"{rr.url}/artifactory/api/trash/empty", auth=("dev", "dev-pw"), timeout=30)
    assert answer.status_code == 403

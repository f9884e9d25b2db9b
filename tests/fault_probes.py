"""The probes of the fault catalogue: each a short check of the promise one fault breaks.

``probe(NAME)`` registers a probe in ``PROBES`` (and the server config it needs in ``CONFIGS``);
tests/test_faults.py runs each against a clean refregistry and one started with its fault.
This module holds the registry and the probes of Artifactory's behaviour and the Docker
basics; fault_probes_repositories.py those of virtual and remote repositories;
fault_probes_spec.py those of the OCI distribution-spec workflows.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

from fixtures.clients.registry import RegistryClient, parse_challenge
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, PERMISSIONS_CONFIG

Probe = Callable[[RefRegistryProcess], None]
PROBES: dict[str, Probe] = {}
CONFIGS: dict[str, dict] = {}  # a probe's server config when the default one cannot show its fault
IMAGE = images.image("probe", labels={"team": "platform"})
PROXY = {"X-JFrog-Override-Base-Url": "https://art.local"}


def probe(fault: str, config: dict | None = None) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        PROBES[fault] = fn
        CONFIGS[fault] = config or PERMISSIONS_CONFIG
        return fn

    return register


def admin(server: RefRegistryProcess) -> RegistryClient:
    return RegistryClient(server.url, "/v2/docker-local/", ADMIN)


@probe("wrong-content-digest")
def manifest_and_blob_digests_are_true(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1")
    assert reg.digest_of("app", "1") == IMAGE.digest
    head = reg.request("HEAD", f"app/blobs/{IMAGE.config.digest}")
    assert head.headers["Docker-Content-Digest"] == IMAGE.config.digest


@probe("accept-digest-mismatch")
def mismatched_upload_is_refused(server: RefRegistryProcess) -> None:
    claimed = images.digest_of(b"something else")
    answer = admin(server).request("POST", f"app/blobs/uploads/?digest={claimed}", data=b"payload")
    assert answer.status_code == 400


@probe("no-auth-on-push")
def push_needs_credentials(server: RefRegistryProcess) -> None:
    anonymous = RegistryClient(server.url, "/v2/docker-local/")
    assert anonymous.request("POST", "app/blobs/uploads/").status_code == 401
    reader = RegistryClient(server.url, "/v2/docker-local/", ("reader", "reader-pw"))
    assert reader.request("POST", "app/blobs/uploads/").status_code == 403


@probe("read-only-users-refused")
def reader_pulls(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1")
    reader = RegistryClient(server.url, "/v2/docker-local/", ("reader", "reader-pw"))
    assert reader.manifest("app", "1").status_code == 200


@probe("challenge-without-scope")
def challenge_names_the_scope(server: RefRegistryProcess) -> None:
    answer = requests.get(f"{server.url}/v2/docker-local/app/manifests/1", timeout=30)
    _, params = parse_challenge(answer.headers["WWW-Authenticate"])
    assert params.get("scope") == "repository:docker-local/app:pull", params


@probe("any-password")
def wrong_password_is_refused(server: RefRegistryProcess) -> None:
    assert requests.get(f"{server.url}/v2/token", auth=("admin", "not-it"), timeout=30).status_code == 401
    assert requests.get(f"{server.url}/v2/", auth=("admin", "not-it"), timeout=30).status_code == 401


@probe("ignore-pagination")
def tags_are_paginated(server: RefRegistryProcess) -> None:
    reg = admin(server)
    for tag in ("a", "b", "c"):
        reg.push(IMAGE, "app", tag)
    assert reg.tags("app", n=2).json()["tags"] == ["a", "b"]
    assert reg.tags("app", last="b").json()["tags"] == ["c"]


@probe("no-range")
def range_reads_are_partial(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.upload("app", IMAGE.layers[0])
    answer = reg.request("GET", f"app/blobs/{IMAGE.layers[0].digest}", headers={"Range": "bytes=0-9"})
    assert (answer.status_code, answer.content) == (206, IMAGE.layers[0].data[:10])


@probe("skip-blob-check")
def manifest_with_missing_blob_is_refused(server: RefRegistryProcess) -> None:
    answer = admin(server).put_manifest("app", "1", IMAGE.manifest)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"


@probe("accept-out-of-order-chunk")
def out_of_order_chunk_is_416(server: RefRegistryProcess) -> None:
    reg = admin(server)
    location = reg.request("POST", "app/blobs/uploads/").headers["Location"]
    answer = reg.request("PATCH", location, data=b"x" * 10, headers={"Content-Range": "10-19"})
    assert answer.status_code == 416


@probe("realm-ignores-proxy")
def proxy_base_url_is_used(server: RefRegistryProcess) -> None:
    root = f"{server.url}/artifactory/api/docker/docker-local/v2/"
    challenge = requests.get(root, headers=PROXY, timeout=30).headers["WWW-Authenticate"]
    assert parse_challenge(challenge)[1]["realm"].startswith("https://art.local/")
    started = requests.post(f"{root}app/blobs/uploads/", headers=PROXY, auth=ADMIN, timeout=30)
    assert started.headers["Location"].startswith("https://art.local/v2/docker-local/app/")


@probe("labels-not-propagated")
def labels_become_properties(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1")
    url = f"{server.url}/artifactory/api/storage/docker-local/app/1/manifest.json?properties"
    props = requests.get(url, auth=ADMIN, timeout=30).json()["properties"]
    assert props.get("docker.label.team") == ["platform"]


@probe("repo-name-property-missing")
def manifest_item_names_its_image(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1")
    url = f"{server.url}/artifactory/api/storage/docker-local/app/1/manifest.json?properties"
    assert requests.get(url, auth=ADMIN, timeout=30).json()["properties"].get("docker.repoName") == ["app"]


@probe("delete-shared-blobs")
def deleting_a_tag_keeps_shared_layers(server: RefRegistryProcess) -> None:
    reg = admin(server)
    child = images.image("child", shared=IMAGE.layers)
    reg.push(IMAGE, "app", "base")
    reg.push(child, "app", "child")
    requests.delete(f"{server.url}/artifactory/docker-local/app/base", auth=ADMIN, timeout=30)
    assert reg.request("GET", f"app/blobs/{IMAGE.layers[0].digest}").status_code == 200


@probe("unsorted-tags")
def tags_are_sorted(server: RefRegistryProcess) -> None:
    reg = admin(server)
    for tag in ("b", "a", "c"):
        reg.push(IMAGE, "app", tag)
    assert reg.tags("app").json()["tags"] == ["a", "b", "c"]


@probe("referrers-ignore-filter")
def referrers_filter_by_artifact_type(server: RefRegistryProcess) -> None:
    reg = admin(server)
    subject = images.image("subject", oci=True)
    reg.push(subject, "app", "1")
    reg.push(images.artifact(subject, "application/vnd.a", b"a"), "app")
    reg.push(images.artifact(subject, "application/vnd.b", b"b"), "app")
    answer = reg.referrers("app", subject.digest, artifactType="application/vnd.a")
    assert [m["artifactType"] for m in answer.json()["manifests"]] == ["application/vnd.a"]


@probe("no-api-version-header")
def v2_names_the_api_version(server: RefRegistryProcess) -> None:
    answer = admin(server).request("GET", "/v2/")
    assert answer.headers.get("Docker-Distribution-Api-Version") == "registry/2.0"


@probe("ping-not-ok")
def system_ping_says_ok(server: RefRegistryProcess) -> None:
    answer = requests.get(f"{server.url}/artifactory/api/system/ping", timeout=30)
    assert (answer.status_code, answer.text) == (200, "OK")


@probe("promote-ignores-copy")
def move_removes_the_source_tag(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(images.image("moved"), "app", "1").raise_for_status()
    body = {"targetRepo": "docker-prod-local", "dockerRepository": "app", "tag": "1", "copy": False}
    url = f"{server.url}/artifactory/api/docker/docker-local/v2/promote"
    requests.post(url, json=body, auth=ADMIN, timeout=30).raise_for_status()
    assert reg.manifest("app", "1").status_code == 404


@probe("multiarch-delete-list-only")
def multiarch_delete_takes_the_architectures(server: RefRegistryProcess) -> None:
    reg = admin(server)
    amd = images.image("amd")
    reg.push(images.index([amd, images.image("arm", platform="linux/arm64")], oci=False), "multi", "1")
    url = f"{server.url}/artifactory/api/docker/docker-local/v2/delete"
    requests.delete(url, json={"dockerRepository": "multi", "tag": "1"}, auth=ADMIN, timeout=30).raise_for_status()
    assert reg.manifest("multi", amd.digest).status_code == 404


RETENTION = {
    "users": {"admin": {"password": "password", "admin": True}},
    "localRepositories": {"docker-local": {"maxUniqueTags": 2, "dockerTagRetention": 2}},
}


@probe("retention-off-by-one", config=RETENTION)
def third_unique_tag_evicts_the_first(server: RefRegistryProcess) -> None:
    reg = admin(server)
    for tag in ("1", "2", "3"):
        reg.push(images.image(f"u{tag}"), "app", tag).raise_for_status()
    assert reg.tags("app").json()["tags"] == ["2", "3"]


@probe("revisions-not-evicted", config=RETENTION)
def third_push_evicts_the_first_revision(server: RefRegistryProcess) -> None:
    reg = admin(server)
    first = images.image("r1")
    for image in (first, images.image("r2"), images.image("r3")):
        reg.push(image, "app", "latest").raise_for_status()
    assert reg.manifest("app", first.digest).status_code == 404


@probe("trash-not-kept")
def deleted_tag_is_restorable(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(images.image("kept"), "app", "1").raise_for_status()
    requests.delete(f"{server.url}/artifactory/docker-local/app/1", auth=ADMIN, timeout=30).raise_for_status()
    url = f"{server.url}/artifactory/api/trash/restore/docker-local/app/1"
    assert requests.post(url, auth=ADMIN, timeout=30).status_code == 200
    assert reg.manifest("app", "1").status_code == 200


@probe("v2-no-challenge")
def anonymous_v2_is_challenged(server: RefRegistryProcess) -> None:
    answer = requests.get(f"{server.url}/v2/", timeout=30)
    assert answer.status_code == 401
    assert parse_challenge(answer.headers.get("WWW-Authenticate", ""))[0] == "bearer"


@probe("bearer-refused")
def token_opens_v2(server: RefRegistryProcess) -> None:
    reg = admin(server)
    assert reg.request("GET", "/v2/").status_code == 200


@probe("blob-head-missing")
def pushed_blob_answers_head(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.has_blob("app", IMAGE.layers[0].digest)


ARM = images.image("arm", platform="linux/arm64")


@probe("list-override-drops-platforms")
def list_overwritten_by_a_list_leaves_its_platforms(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(images.index([IMAGE, ARM], oci=False), "app", "1").raise_for_status()
    reg.push(images.index([images.image("other")], oci=False), "app", "1").raise_for_status()
    assert reg.manifest("app", ARM.digest).status_code == 200


@probe("list-overwrite-keeps-sub-manifests")
def list_overwritten_by_an_image_takes_its_platforms(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(images.index([IMAGE, ARM], oci=False), "app", "1").raise_for_status()
    reg.push(images.image("other"), "app", "1").raise_for_status()
    assert reg.manifest("app", ARM.digest).status_code == 404


@probe("member-size-unchecked")
def list_misstating_a_member_size_is_refused(server: RefRegistryProcess) -> None:
    listing = images.index([IMAGE, ARM])
    wrong = images.with_entry_size(listing, 1, len(ARM.manifest.data) + 1)
    assert admin(server).push(wrong, "app", "1").status_code == 400


@probe("put-answers-wrong-digest")
def manifest_put_answers_its_digest(server: RefRegistryProcess) -> None:
    answer = admin(server).push(IMAGE, "app", "1")
    assert answer.headers["Docker-Content-Digest"] == IMAGE.digest


@probe("digest-pull-rewritten")
def manifest_by_digest_is_the_pushed_bytes(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.manifest("app", IMAGE.digest).content == IMAGE.manifest.data

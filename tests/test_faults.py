"""The fault catalogue proves itself: each fault breaks what it claims, and nothing else is needed.

Every fault has a probe: a short check of the promise the fault breaks.  Each probe must pass
against a clean refregistry and fail against one started with its fault.  The conformance
suite's own checks are mapped to faults by capability; these probes show the faults are real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from urllib.parse import urljoin

import pytest
import requests

from fixtures import images
from fixtures.oci_discovery_content import config_artifact
from fixtures.process import RefRegistryProcess
from fixtures.registry import RegistryClient, parse_challenge
from fixtures.stacks import STACK_FAULTS
from refregistry.faults import CATALOGUE
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer

CAPABILITIES = {
    "ping",
    "login",
    "push_pull",
    "oci_pull",
    "oci_push",
    "oci_discovery",
    "oci_management",
    "multiarch",
    "properties",
    "catalog",
    "promotion",
    "retention",
    "deletion",
    "virtual",
    "remote",
    "content_trust",
    "tls",
    "v1",
}
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


VIRTUAL = {
    "users": {"admin": {"password": "password", "admin": True}},
    "virtualRepositories": {
        "docker-virtual": {
            "repositories": ["docker-local", "docker-dev-local"],
            "defaultDeploymentRepo": "docker-dev-local",
        },
        "docker-newest": {"repositories": ["docker-local", "docker-dev-local"], "resolveDockerTagsByTimestamp": True},
    },
}


def in_repo(server: RefRegistryProcess, repo: str) -> RegistryClient:
    return RegistryClient(server.url, f"/v2/{repo}/", ADMIN)


@probe("virtual-wrong-order", config=VIRTUAL)
def virtual_resolves_the_first_member_first(server: RefRegistryProcess) -> None:
    first = images.image("first")
    in_repo(server, "docker-local").push(first, "app", "1").raise_for_status()
    in_repo(server, "docker-dev-local").push(images.image("second"), "app", "1").raise_for_status()
    assert in_repo(server, "docker-virtual").digest_of("app", "1") == first.digest


@probe("virtual-first-member-only", config=VIRTUAL)
def virtual_reads_every_member(server: RefRegistryProcess) -> None:
    image = images.image("second-only")
    in_repo(server, "docker-dev-local").push(image, "app", "1").raise_for_status()
    assert in_repo(server, "docker-virtual").digest_of("app", "1") == image.digest


@probe("virtual-ignores-default-deployment", config=VIRTUAL)
def virtual_deploys_to_the_default(server: RefRegistryProcess) -> None:
    image = images.image("deployed")
    in_repo(server, "docker-virtual").push(image, "app", "1").raise_for_status()
    assert in_repo(server, "docker-dev-local").digest_of("app", "1") == image.digest


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


def remote_of_itself(server: RefRegistryProcess) -> RegistryClient:
    """A remote repository, created over REST, caching the server's own docker-local."""
    body = {"rclass": "remote", "url": f"{server.url}/artifactory/api/docker/docker-local", "username": "admin"}
    body |= {"password": "password", "retrievalCachePeriodSecs": 0}
    requests.put(f"{server.url}/artifactory/api/repositories/self-remote", json=body, auth=ADMIN, timeout=30)
    return RegistryClient(server.url, "/v2/self-remote/", ADMIN)


@probe("remote-no-offline-cache")
def remote_serves_its_cache_when_upstream_is_gone(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    cache = remote_of_itself(server)
    assert cache.digest_of("app", "1") == IMAGE.digest
    gone = {"url": "http://127.0.0.1:9"}  # the discard port: nothing listens
    requests.post(f"{server.url}/artifactory/api/repositories/self-remote", json=gone, auth=ADMIN, timeout=30)
    assert cache.digest_of("app", "1") == IMAGE.digest


@probe("remote-never-revalidates")
def remote_sees_a_tag_moved_upstream(server: RefRegistryProcess) -> None:
    moved = images.image("moved")
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    cache = remote_of_itself(server)
    assert cache.digest_of("app", "1") == IMAGE.digest
    admin(server).push(moved, "app", "1").raise_for_status()
    assert cache.digest_of("app", "1") == moved.digest


@probe("remote-accepts-push")
def remote_refuses_pushes(server: RefRegistryProcess) -> None:
    assert remote_of_itself(server).upload("app", images.layer("x")).status_code == 403


@probe("list-override-drops-platforms")
def overwritten_list_leaves_its_platforms(server: RefRegistryProcess) -> None:
    reg, arm = admin(server), images.image("arm", platform="linux/arm64")
    reg.push(images.index([IMAGE, arm], oci=False), "app", "1").raise_for_status()
    reg.push(images.image("other"), "app", "1").raise_for_status()
    assert reg.manifest("app", arm.digest).status_code == 200


@probe("virtual-ignores-timestamps", config=VIRTUAL)
def virtual_by_timestamp_serves_the_newest_push(server: RefRegistryProcess) -> None:
    newer = images.image("newer")
    in_repo(server, "docker-local").push(images.image("older"), "app", "1").raise_for_status()
    in_repo(server, "docker-dev-local").push(newer, "app", "1").raise_for_status()
    assert in_repo(server, "docker-newest").digest_of("app", "1") == newer.digest


@probe("put-answers-wrong-digest")
def manifest_put_answers_its_digest(server: RefRegistryProcess) -> None:
    answer = admin(server).push(IMAGE, "app", "1")
    assert answer.headers["Docker-Content-Digest"] == IMAGE.digest


@probe("digest-pull-rewritten")
def manifest_by_digest_is_the_pushed_bytes(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.manifest("app", IMAGE.digest).content == IMAGE.manifest.data


def test_every_fault_has_a_probe_and_names_real_capabilities() -> None:
    """Workflow: the catalogue and the probes list the same faults; checks are known capabilities."""
    assert set(PROBES) == {f.name for f in CATALOGUE if f.where == "refregistry"}
    assert {f.name for f in CATALOGUE if f.where == "stack"} == STACK_FAULTS, "the harness applies every stack fault"
    assert len(CATALOGUE) >= 8
    for fault in CATALOGUE:
        assert fault.summary and set(fault.checks) <= CAPABILITIES, fault


def test_faults_json_is_the_catalogue() -> None:
    """Workflow: `refregistry faults --json` prints the catalogue: name, summary, checks."""
    out = subprocess.run(
        [sys.executable, "-m", "refregistry", "faults", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert [f["name"] for f in json.loads(out)] == [f.name for f in CATALOGUE]


@pytest.mark.parametrize("fault", [f.name for f in CATALOGUE if f.where == "refregistry"])
def test_fault_breaks_exactly_what_its_probe_checks(start_server: StartServer, fault: str) -> None:
    """Workflow: the probe passes on a clean server and fails on one started with the fault."""
    PROBES[fault](start_server(CONFIGS[fault], name="clean"))
    with pytest.raises(AssertionError):
        PROBES[fault](start_server(CONFIGS[fault], faults=(fault,), name="faulty"))


@probe("list-platforms-stripped")
def served_list_keeps_its_platforms(server: RefRegistryProcess) -> None:
    reg = admin(server)
    listing = images.index([IMAGE, images.image("arm", platform="linux/arm64/v8")])
    reg.push(listing, "multi", "1").raise_for_status()
    assert reg.manifest("multi", "1").content == listing.manifest.data


def upload_session(server: RefRegistryProcess, first: bytes) -> tuple[RegistryClient, str]:
    """An upload of app with ``first`` PATCHed as its opening chunk; the client and the upload's URL."""
    reg = admin(server)
    url = reg.request("POST", "app/blobs/uploads/").headers["Location"]
    headers = {"Content-Range": f"0-{len(first) - 1}", "Content-Type": "application/octet-stream"}
    assert reg.request("PATCH", url, data=first, headers=headers).status_code == 202
    return reg, url


@probe("upload-cancel-ignored")
def cancelled_upload_is_gone(server: RefRegistryProcess) -> None:
    reg, url = upload_session(server, b"x" * 22)
    assert reg.request("DELETE", url).status_code == 204
    assert reg.request("GET", url).status_code == 404


@probe("upload-range-exclusive")
def upload_range_names_the_last_byte(server: RefRegistryProcess) -> None:
    reg, url = upload_session(server, b"x" * 22)
    assert reg.request("GET", url).headers["Range"] == "0-21"


@probe("close-put-drops-chunks")
def closing_put_keeps_the_chunks(server: RefRegistryProcess) -> None:
    reg, url = upload_session(server, b"x" * 22)
    assert reg.request("PUT", f"{url}?digest={images.digest_of(b'x' * 22)}").status_code == 201


@probe("mount-without-from-refused")
def mount_without_from_opens_an_upload(server: RefRegistryProcess) -> None:
    answer = admin(server).request("POST", f"app/blobs/uploads/?mount={IMAGE.config.digest}")
    assert answer.status_code == 202


@probe("mount-answers-wrong-location")
def mount_location_names_the_target(server: RefRegistryProcess) -> None:
    query = f"mount={IMAGE.config.digest}&from=docker-local/other"
    answer = admin(server).request("POST", f"app/blobs/uploads/?{query}")
    assert "/v2/docker-local/app/blobs/uploads/" in answer.headers["Location"]


@probe("manifest-content-type-rewritten")
def manifest_keeps_its_media_type(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.manifest("app", "1").headers["Content-Type"] == IMAGE.manifest.media_type


@probe("malformed-reference-500")
def malformed_references_are_client_errors(server: RefRegistryProcess) -> None:
    for reference in (".bad", "sha256:totallywrong"):
        assert admin(server).manifest("app", reference).status_code in (400, 404)


@probe("unknown-fields-dropped")
def unknown_fields_are_kept(server: RefRegistryProcess) -> None:
    reg = admin(server)
    extended = images.image("probe", labels={"team": "platform"}, extra={"newUnspecifiedField": "x"})
    reg.push(extended, "app", "1").raise_for_status()
    assert reg.manifest("app", "1").content == extended.manifest.data


@probe("empty-layers-crash")
def manifest_without_layers_is_stored(server: RefRegistryProcess) -> None:
    reg, empty = admin(server), images.image("empty", layers=0)
    assert reg.push(empty, "app", "1").status_code == 201


def manifest_of(size: int) -> images.Blob:
    doc = json.loads(IMAGE.manifest.data)
    doc["annotations"] = {"pad": ""}
    doc["annotations"]["pad"] = "x" * (size - len(images.canonical(doc)))
    return images.Blob(images.canonical(doc), IMAGE.manifest.media_type)


@probe("manifest-limit-1mib")
def four_megabyte_manifest_is_stored(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.put_manifest("app", "big", manifest_of(4_000_000)).status_code == 201


@probe("oversize-manifest-500")
def oversize_manifest_is_413(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.put_manifest("app", "huge", manifest_of(5 << 20)).status_code == 413


@probe("pagination-link-loops")
def tags_link_leads_to_the_next_page(server: RefRegistryProcess) -> None:
    reg = admin(server)
    for tag in ("a", "b", "c"):
        reg.push(IMAGE, "app", tag).raise_for_status()
    first = reg.tags("app", n=2)
    assert reg.request("GET", urljoin(first.url, first.links["next"]["url"])).json()["tags"] == ["c"]


@probe("referrers-404-for-unknown")
def referrers_of_an_unknown_digest_are_empty(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    answer = reg.referrers("app", images.digest_of(b"nobody pushed this"))
    assert answer.status_code == 200 and answer.json()["manifests"] == []


@probe("referrers-before-subject-lost")
def referrer_pushed_first_is_listed(server: RefRegistryProcess) -> None:
    reg, subject = admin(server), images.image("subject", oci=True)
    early = images.artifact(subject, "application/vnd.a", b"a")
    reg.push(early, "app").raise_for_status()
    reg.push(subject, "app", "1").raise_for_status()
    assert [m["digest"] for m in reg.referrers("app", subject.digest).json()["manifests"]] == [early.digest]


@probe("referrers-no-config-artifact-type")
def config_typed_referrer_has_its_artifact_type(server: RefRegistryProcess) -> None:
    reg, subject = admin(server), images.image("subject", oci=True)
    reg.push(subject, "app", "1").raise_for_status()
    reg.push(config_artifact(subject, "application/vnd.a", "A", "probe").content, "app").raise_for_status()
    assert [m.get("artifactType") for m in reg.referrers("app", subject.digest).json()["manifests"]] == [
        "application/vnd.a"
    ]


@probe("no-oci-subject-header")
def subject_push_answers_oci_subject(server: RefRegistryProcess) -> None:
    subject = images.image("subject", oci=True)
    answer = admin(server).push(images.artifact(subject, "application/vnd.a", b"a"), "app")
    assert answer.headers.get("OCI-Subject") == subject.digest


@probe("tag-delete-removes-manifest")
def tag_delete_keeps_the_manifest(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    reg.push(IMAGE, "app", "2").raise_for_status()
    assert reg.delete("app", "1").status_code == 202
    assert reg.digest_of("app", "2") == IMAGE.digest


@probe("delete-leaves-manifest")
def deleted_manifest_is_gone(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.delete("app", IMAGE.digest).status_code == 202
    assert reg.manifest("app", IMAGE.digest).status_code == 404


@probe("delete-unknown-manifest-accepted")
def deleting_an_unknown_manifest_is_404(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.delete("app", images.digest_of(b"nobody pushed this")).status_code == 404


@probe("deleted-blob-still-served")
def blob_delete_is_refused(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    assert reg.request("DELETE", f"app/blobs/{IMAGE.config.digest}").status_code == 405


@probe("upload-commit-answers-204")
def completed_upload_answers_201(server: RefRegistryProcess) -> None:
    assert admin(server).upload("app", images.layer("commit")).status_code == 201


def promote_of(server: RefRegistryProcess, auth: tuple[str, str] = ADMIN, **body: object) -> requests.Response:
    url = f"{server.url}/artifactory/api/docker/docker-local/v2/promote"
    body = {"targetRepo": "docker-prod-local", "dockerRepository": "app", **body}
    return requests.post(url, json=body, auth=auth, timeout=30)


@probe("promote-skips-validation")
def promotion_with_a_bad_field_is_400(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    assert promote_of(server, tag="1", copy="yes").status_code == 400


@probe("promote-no-permission-check")
def reader_may_not_promote(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    assert promote_of(server, ("reader", "reader-pw"), tag="1", copy=True).status_code == 403


@probe("promote-ignores-target-tag")
def promotion_renames_the_tag(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "rc").raise_for_status()
    promote_of(server, tag="rc", targetTag="1.0", copy=True).raise_for_status()
    assert in_repo(server, "docker-prod-local").digest_of("app", "1.0") == IMAGE.digest


@probe("promote-whole-image-latest-only")
def promotion_without_a_tag_takes_every_tag(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    assert promote_of(server, copy=True).status_code == 200
    assert in_repo(server, "docker-prod-local").digest_of("app", "1") == IMAGE.digest


@probe("promote-copy-reserialized")
def promoted_copy_keeps_its_digest(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    promote_of(server, tag="1", copy=True).raise_for_status()
    assert in_repo(server, "docker-prod-local").digest_of("app", "1") == IMAGE.digest


@probe("promote-override-deletes-layers")
def promotion_override_keeps_shared_layers(server: RefRegistryProcess) -> None:
    base, prod = images.layer("base"), in_repo(server, "docker-prod-local")
    prod.push(images.image("stays", shared=(base,)), "app", "stays").raise_for_status()
    prod.push(images.image("old", shared=(base,)), "app", "1").raise_for_status()
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    promote_of(server, tag="1", copy=True).raise_for_status()
    assert prod.has_blob("app", base.digest)


@probe("parent-lists-by-folder")
def parent_lists_of_a_platform_tag(server: RefRegistryProcess) -> None:
    reg, arm = admin(server), images.image("arm", platform="linux/arm64")
    listing = images.index([IMAGE, arm], oci=False)
    reg.push(listing, "multi", "1").raise_for_status()
    reg.put_manifest("multi", "arm", arm.manifest).raise_for_status()
    url = f"{server.url}/artifactory/api/docker/docker-local/v2/parentManifests"
    answer = requests.post(url, json={"dockerRepository": "multi", "tag": "arm"}, auth=ADMIN, timeout=30)
    assert [p["digest"] for p in answer.json()["parentManifestLists"]] == [listing.digest]


@probe("image-delete-not-recursive")
def image_delete_removes_its_tags(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(IMAGE, "app", "1").raise_for_status()
    requests.delete(f"{server.url}/artifactory/docker-local/app", auth=ADMIN, timeout=30).raise_for_status()
    assert reg.tags("app").status_code == 404


@probe("layout-colon-names")
def layer_files_are_named_with_two_underscores(server: RefRegistryProcess) -> None:
    admin(server).push(IMAGE, "app", "1").raise_for_status()
    url = f"{server.url}/artifactory/api/storage/docker-local/app/1"
    children = {c["uri"] for c in requests.get(url, auth=ADMIN, timeout=30).json()["children"]}
    assert "/" + IMAGE.config.digest.replace(":", "__") in children


@probe("remote-upstream-down-502")
def uncached_image_with_upstream_gone_is_404(server: RefRegistryProcess) -> None:
    cache = remote_of_itself(server)
    gone = {"url": "http://127.0.0.1:9"}  # the discard port: nothing listens
    requests.post(f"{server.url}/artifactory/api/repositories/self-remote", json=gone, auth=ADMIN, timeout=30)
    assert cache.manifest("app", "1").status_code == 404


@probe("list-ignores-accept")
def single_image_client_gets_no_list(server: RefRegistryProcess) -> None:
    reg = admin(server)
    reg.push(images.index([IMAGE, images.image("arm", platform="linux/arm64")], oci=False), "multi", "1")
    assert reg.manifest("multi", "1", accept=IMAGE.manifest.media_type).status_code == 404

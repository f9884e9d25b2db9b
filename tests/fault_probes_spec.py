"""Fault probes of the OCI distribution-spec workflows (uploads, manifests, discovery, deletes)
and of the faults added with them; registered in fault_probes.PROBES on import."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import requests

from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import images
from fixtures.content.oci_discovery_content import config_artifact
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN
from tests.fault_probes import IMAGE, admin, probe
from tests.fault_probes_repositories import in_repo, remote_of_itself


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


@probe("error-pages-replace-404")
def unknown_image_answers_the_spec_error(server: RefRegistryProcess) -> None:
    assert error_code(admin(server).tags("nobody-pushed")) == "NAME_UNKNOWN"


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


@probe("sha512-not-found-400")
def content_absent_under_a_sha512_digest_is_404(server: RefRegistryProcess) -> None:
    reg, absent = admin(server), "sha512:" + "ab" * 64
    reg.push(IMAGE, "app", "1").raise_for_status()
    for kind in ("blobs", "manifests"):
        assert reg.request("HEAD", f"app/{kind}/{absent}").status_code == 404

"""oci_management: the OCI Content Management workflow — deleting tags, manifests and blobs.

The spec lets a registry disable deletion (400 or 405, for tags, manifests and blobs apart):
a refusal is a valid answer, recorded in the report, and the check of what that delete does is
then reported unsupported with it.  Artifactory has no blob DELETE: it answers 405 with an
``Allow`` header.  What a delete that is accepted must do, the checks hold the target to: the
OCI suite's (202; the manifest then 404 by digest; one tag fewer in tags/list; the blob 404) and
what it leaves out (the tag delete keeps the manifest; an unknown manifest is MANIFEST_UNKNOWN).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from fixtures.clients.registry import RegistryClient, error_code
from fixtures.content import oci_content
from fixtures.content.images import OCI_MANIFEST
from fixtures.report.outcomes import unsupported

pytestmark = pytest.mark.capability("oci_management")

REFUSED = {400, 405}  # the answers that say the target has this delete disabled


def refusal(answer: requests.Response) -> str | None:
    """How the target refused a delete as the spec lets it (400 or 405); None if it did not.

    The spec asks only for the status; the OCI suite also wants UNSUPPORTED in a 400, so the
    code is recorded (the CNCF registry 2.8 refuses a tag delete with 400 DIGEST_INVALID).
    """
    if answer.status_code == 405:
        return f"405 (Allow: {answer.headers.get('Allow', '-')})"
    if answer.status_code == 400:
        return f"400 {error_code(answer) or 'without an OCI error code'}"
    return None


def answered(answer: requests.Response, code: str) -> None:
    """Assert the answer carries OCI error ``code``."""
    assert error_code(answer) == code, oci_content.shown(answer)


def unless_refused(answer: requests.Response, what: str, chose: Callable[[str], None]) -> None:
    """A refused delete is recorded and makes the check unsupported: the target has that delete off."""
    if (refused := refusal(answer)) is not None:
        chose(f"{what}: refused, {refused}")
        unsupported(f"{what} is disabled on the target: {oci_content.shown(answer)}")


def deleted(answer: requests.Response, what: str, chose: Callable[[str], None]) -> None:
    """A delete expected accepted (202) or refused: the answer recorded; a refusal makes the check unsupported."""
    unless_refused(answer, what, chose)
    chose(f"{what}: 202")


def test_tag_delete_removes_only_the_tag(
    registry: RegistryClient, image_name: str, chose: Callable[[str], None]
) -> None:
    """DELETE manifests/<tag> answers 202: the tag is gone, the manifest and its other tag stay."""
    image = oci_content.image(image_name)
    registry.push(image, image_name, "gone").raise_for_status()
    registry.put_manifest(image_name, "kept", image.manifest).raise_for_status()
    deleted(registry.delete(image_name, "gone", expect={202, *REFUSED}), "tag delete", chose)
    answered(registry.manifest(image_name, "gone", accept=OCI_MANIFEST, expect=404), "MANIFEST_UNKNOWN")
    by_digest = registry.manifest(image_name, image.digest, accept=OCI_MANIFEST, expect=200)
    assert by_digest.content == image.manifest.data, oci_content.shown(by_digest)
    assert registry.digest_of(image_name, "kept") == image.digest, "the other tag went with the deleted one"
    assert registry.tags(image_name).json().get("tags") == ["kept"]


def test_manifest_delete_by_digest_removes_it_and_its_tag(
    registry: RegistryClient, image_name: str, chose: Callable[[str], None]
) -> None:
    """DELETE manifests/<digest> answers 202; it is then 404 MANIFEST_UNKNOWN by digest and by tag,
    and tags/list lists one tag fewer."""
    kept, gone = oci_content.image(f"{image_name}-kept"), oci_content.image(f"{image_name}-gone")
    registry.push(kept, image_name, "kept").raise_for_status()
    registry.push(gone, image_name, "gone").raise_for_status()
    before = registry.tags(image_name).json().get("tags")
    assert before == ["gone", "kept"], f"tags/list before the delete: {before}"
    deleted(registry.delete(image_name, gone.digest, expect={202, *REFUSED}), "manifest delete", chose)
    answered(registry.manifest(image_name, gone.digest, accept=OCI_MANIFEST, expect=404), "MANIFEST_UNKNOWN")
    answered(registry.manifest(image_name, "gone", accept=OCI_MANIFEST, expect=404), "MANIFEST_UNKNOWN")
    after = registry.tags(image_name, expect=200)
    assert after.json().get("tags") == ["kept"], oci_content.shown(after)
    assert registry.digest_of(image_name, "kept") == kept.digest


def test_deleting_the_last_manifest_leaves_no_tags(
    registry: RegistryClient, image_name: str, chose: Callable[[str], None]
) -> None:
    """After deleting an image's only manifest, tags/list answers an empty list or 404 NAME_UNKNOWN."""
    image = oci_content.image(image_name)
    registry.push(image, image_name, "only").raise_for_status()
    deleted(registry.delete(image_name, image.digest, expect={202, *REFUSED}), "manifest delete", chose)
    after = registry.tags(image_name, expect={200, 404})
    if after.status_code == 404:
        answered(after, "NAME_UNKNOWN")
        chose("tags/list of an emptied name: 404 NAME_UNKNOWN")
    else:
        assert (after.json().get("tags") or []) == [], oci_content.shown(after)
        chose("tags/list of an emptied name: 200, no tags")
    answered(registry.manifest(image_name, image.digest, accept=OCI_MANIFEST, expect=404), "MANIFEST_UNKNOWN")


def test_deleting_an_unknown_manifest_is_manifest_unknown(
    registry: RegistryClient, image_name: str, chose: Callable[[str], None]
) -> None:
    """DELETE manifests/<a digest nobody pushed>, in an existing repository, answers 404 MANIFEST_UNKNOWN."""
    registry.push(oci_content.image(image_name), image_name, "tagtest0").raise_for_status()
    never = oci_content.image(f"{image_name}-never")
    answer = registry.delete(image_name, never.digest, expect={404, *REFUSED})
    unless_refused(answer, "manifest delete", chose)
    answered(answer, "MANIFEST_UNKNOWN")


def test_blob_delete_removes_the_blob(registry: RegistryClient, image_name: str, chose: Callable[[str], None]) -> None:
    """DELETE blobs/<digest> answers 202 (or 404, as the OCI suite allows); the blob is then 404 BLOB_UNKNOWN."""
    blob = oci_content.random_blob()
    registry.upload(image_name, blob).raise_for_status()
    answer = registry.request("DELETE", f"{image_name}/blobs/{blob.digest}", expect={202, 404, *REFUSED})
    if answer.status_code == 404:  # the OCI suite accepts it (its teardown may delete a blob twice)
        chose("blob delete: 404")
    else:
        deleted(answer, "blob delete", chose)
    answered(registry.request("GET", f"{image_name}/blobs/{blob.digest}", expect=404), "BLOB_UNKNOWN")
    registry.request("HEAD", f"{image_name}/blobs/{blob.digest}", expect=404)

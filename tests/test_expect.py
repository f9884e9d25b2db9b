"""Workflow: a client verb told the status it expects fails in one line, the same shape for every client."""

from __future__ import annotations

import pytest

from fixtures.clients.admin import AdminClient
from fixtures.clients.expect import SUCCESS, UnexpectedAnswer
from fixtures.clients.httplog import HttpLog
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN, StartServer


def test_expected_status_returns_the_answer(registry: RegistryClient) -> None:
    """A status in ``expect`` (one, a set, a range) hands the answer back for its headers and body."""
    image = images.image("app")
    pushed = registry.push(image, "app", "1", expect=201)
    assert pushed.headers["Docker-Content-Digest"] == image.digest
    assert registry.manifest("app", "1", expect={200, 404}).content == image.manifest.data
    assert registry.tags("app", expect=SUCCESS).json()["tags"] == ["1"]


def test_other_status_reads_method_url_expected_got_and_the_error(registry: RegistryClient) -> None:
    """An OCI error answer: its first code and message; the check's reason, when given, at the end."""
    log = HttpLog()
    log.attach(registry.session)
    with pytest.raises(UnexpectedAnswer) as raised:
        registry.manifest("app", "1", expect=200, why="the tag was never pushed")
    url = f"{registry.base}/v2/docker-local/app/manifests/1"
    assert str(raised.value) == (
        f"GET {url}: expected 200, got 404 (MANIFEST_UNKNOWN: manifest unknown to registry) — the tag was never pushed"
    )
    assert isinstance(raised.value, AssertionError)
    assert f"> GET {url}" in log.render(), "the exchange is in the session's log"


def test_a_set_of_statuses_is_named_in_order(registry: RegistryClient) -> None:
    """``expect={405, 202}`` reads ``expected 202 or 405``; a range reads as its bounds."""
    with pytest.raises(UnexpectedAnswer, match=r"^DELETE \S+: expected 202 or 405, got 404 \(MANIFEST_UNKNOWN: "):
        registry.delete("app", images.image("never").digest, expect={405, 202})
    with pytest.raises(UnexpectedAnswer, match=r"^HEAD \S+: expected 200-299, got 404 \(no body\)$"):
        registry.request("HEAD", "app/manifests/1", expect=SUCCESS)


def test_admin_client_fails_the_same_way(server: RefRegistryProcess) -> None:
    """Artifactory's REST errors carry a message only: that is what the line shows."""
    admin = AdminClient(server.url, ADMIN)
    with pytest.raises(UnexpectedAnswer) as raised:
        admin.storage("docker-local", "nothing/here", expect=200)
    url = f"{server.url}/artifactory/api/storage/docker-local/nothing/here"
    assert str(raised.value) == f"GET {url}: expected 200, got 404 (Unable to find item)"


def test_a_faulty_upload_commit_fails_in_the_new_shape(start_server: StartServer) -> None:
    """refregistry with upload-commit-answers-204: the closing PUT of an upload reads as expected 201, got 204."""
    registry = RegistryClient(start_server(faults=("upload-commit-answers-204",)).url, "/v2/docker-local/", ADMIN)
    with pytest.raises(UnexpectedAnswer, match=r"^PUT \S+/blobs/uploads/\S+\?digest=sha256:\w+: expected 201, got 204"):
        registry.upload("app", images.layer("app"), expect=201)


def test_a_secret_in_the_body_is_redacted_before_the_excerpt_cuts_it(server: RefRegistryProcess) -> None:
    """A token answered where a refusal was expected shows as ***, however long the token."""
    registry = RegistryClient(server.url, "/v2/docker-local/", ADMIN)
    with pytest.raises(UnexpectedAnswer) as raised:
        registry.ask_token(f"{server.url}/v2/token", {"service": "artifactory"}, expect=401)
    assert '({"token": "***"' in str(raised.value) and "eyJ" not in str(raised.value), str(raised.value)

"""Detection of a live target: what its answers say it is and supports, with the evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest

from fixtures.report.detect import detect, unsupported_reason
from fixtures.stacks.defs import Method, Proxy, Registry, Stack
from fixtures.targets import Target
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer, serving


class BasicOnly(BaseHTTPRequestHandler):
    """A registry front that challenges with Basic, as the CNCF registry with htpasswd does."""

    def do_GET(self) -> None:
        if self.path.startswith("/v2/"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="Registry Realm"')
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:  # the test's output stays quiet
        pass


@pytest.fixture
def basic_only() -> Iterator[str]:
    with serving(BasicOnly) as url:
        yield url


def live(url: str) -> Target:
    """The target as ``--target URL --repo docker-local`` without credentials makes it."""
    stack = Stack(Proxy.LIVE, Method.REPOPATH, tls=False, registry=Registry.LIVE)
    host = url.removeprefix("http://")
    return Target(id="live", stack=stack, host=host, repo="docker-local", api_url=url, admin=None, verify=True)


def test_a_basic_challenge_means_no_token_flow(basic_only: str) -> None:
    """A target answering /v2/ with a Basic challenge is detected without the token flow, saying so."""
    found = detect(live(basic_only))
    assert (found.token_auth, found.token_evidence) == (False, "GET /v2/ without credentials answered 401 Basic")


def test_a_bearer_challenge_means_the_token_flow(start_server: StartServer) -> None:
    """refregistry challenges with Bearer: the token flow is on, with the evidence."""
    found = detect(live(start_server(PERMISSIONS_CONFIG).url))
    assert (found.token_auth, found.token_evidence) == (True, "GET /v2/ without credentials answered 401 Bearer")


class NoAql(BaseHTTPRequestHandler):
    """An Artifactory front whose REST API has no AQL search (404 on POST /api/search/aql)."""

    def do_GET(self) -> None:
        if self.path == "/artifactory/api/system/version":
            body = b'{"version": "7.50.0"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            body = b""
            self.send_response(401 if self.path.startswith("/v2/") else 404)
            self.send_header("WWW-Authenticate", 'Basic realm="Artifactory Realm"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_target_without_aql_makes_the_aql_checks_unsupported() -> None:
    """An Artifactory answering 404 to an AQL search is detected without AQL; the aql checks say why."""
    with serving(NoAql) as url:
        found = detect(live(url))
    assert (found.kind, found.aql, found.aql_evidence) == (
        "artifactory",
        False,
        "POST /artifactory/api/search/aql answered 404",
    )
    check = SimpleNamespace(get_closest_marker=lambda name: name if name == "aql" else None)
    reason = unsupported_reason(check, found)  # type: ignore[arg-type]  # only its markers are read
    assert reason == "the target has no AQL search (POST /artifactory/api/search/aql answered 404)"


def test_aql_is_detected_where_it_answers(start_server: StartServer) -> None:
    """refregistry, as a live target with credentials, answers the one-item search: AQL is there."""
    target = replace(live(start_server(PERMISSIONS_CONFIG).url), admin=ADMIN)
    found = detect(target)
    assert (found.aql, found.aql_evidence) == (True, "POST /artifactory/api/search/aql answered 200")

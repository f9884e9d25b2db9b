"""Random requests to every route refregistry serves never answer 5xx, and the server stays up.

The routes come from ``all_routes()``, so a new route is fuzzed without a line here.  Each route gets
``FUZZ_EXAMPLES`` draws (default 15; derandomized, so a run is reproducible) of two requests each
from tests/fuzz_requests.py, after a reset to the same content; the requests sent and the 5xx seen are
recorded per route and summed at the end of the run (tests/conftest.py).  A long local run:
``FUZZ_EXAMPLES=200 .venv/bin/pytest -q -n 2 tests/test_fuzz_routes.py``.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from fixtures.clients.admin import AdminClient
from fixtures.clients.registry import RegistryClient
from fixtures.content import images
from fixtures.services.process import RefRegistryProcess
from refregistry.routes import Route, all_routes
from tests.conftest import ADMIN, PERMISSIONS_CONFIG
from tests.fuzz_requests import Exchange, Known, exchanges, seed

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
IMAGE = images.image("fuzz", layers=2)
LIST = images.index([IMAGE, images.image("fuzz-arm", platform="linux/arm64")])
CONFIG = {
    **PERMISSIONS_CONFIG,
    "virtualRepositories": {"docker-virtual": {"repositories": ["docker-local", "docker-dev-local"]}},
    "remoteRepositories": {"docker-remote": {"url": "http://127.0.0.1:9", "socketTimeoutMillis": 2000}},
}
# Bodies each route takes as they are; the fuzzer changes one field or item of one of them.
DOCUMENTS: tuple[dict[str, Any], ...] = (
    json.loads(IMAGE.manifest.data),
    json.loads(LIST.manifest.data),
    {"targetRepo": "docker-prod-local", "dockerRepository": "app", "tag": "1", "targetTag": "2", "copy": True},
    {"dockerRepository": "app", "tag": "list"},
    {"rclass": "virtual", "repositories": ["docker-local"], "defaultDeploymentRepo": "docker-local"},
    {"rclass": "remote", "url": "http://127.0.0.1:9", "username": "u", "password": "p"},
    {"rclass": "local", "maxUniqueTags": 2, "dockerTagRetention": 2},
    {"faults": []},
)


class Wire:
    """One kept-alive connection to the server; requests go out exactly as drawn (no URL clean-up)."""

    def __init__(self, server: RefRegistryProcess) -> None:
        self.server = server
        self.address = urlsplit(server.url)
        self.connection: http.client.HTTPConnection | None = None
        self.sent = self.server_errors = 0

    def send(self, exchange: Exchange) -> int:
        """The answer's status; a connection the server dropped is retried once on a new one."""
        for attempt in (1, 2):
            try:
                return self._send(exchange)
            except (http.client.HTTPException, OSError):
                self.close()
                assert self.server.proc is not None and self.server.proc.poll() is None, f"server died on {exchange}"
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _send(self, exchange: Exchange) -> int:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(str(self.address.hostname), self.address.port, timeout=60)
        conn = self.connection
        conn.putrequest(exchange.method, exchange.target, skip_accept_encoding=True)
        for name, value in exchange.headers.items():
            conn.putheader(name, value.encode("utf-8", "surrogatepass"))  # raw bytes, as an attacker sends them
        if exchange.body or exchange.method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(exchange.body)))
        conn.endheaders(exchange.body or None)
        self.sent += 1
        answer = conn.getresponse()
        answer.read()
        if answer.will_close:
            self.close()
        self.server_errors += answer.status >= 500
        return answer.status

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RefRegistryProcess]:
    """One server with the users of the permission tests, a virtual and a remote repository (whose
    upstream, the discard port of loopback, refuses connections) and fault control (fuzzed too)."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    (root / "rr.yaml").write_text(yaml.safe_dump(CONFIG))
    server = RefRegistryProcess(root / "rr", config=root / "rr.yaml", extra=("--fault-control",)).start()
    yield server
    server.stop()


@pytest.fixture
def known(fuzzed: RefRegistryProcess) -> Known:
    """The same start for every route: content reset, an image, a list and an open upload, two tokens."""
    AdminClient(fuzzed.url, ADMIN).reset_with_faults([])
    registry = RegistryClient(fuzzed.url, "/v2/docker-local/", ADMIN)
    registry.push(LIST, "app", "list", expect=201)
    registry.push(IMAGE, "app", "1", expect=201)
    started = registry.request("POST", "app/blobs/uploads/", expect=202)
    upload = started.headers["Location"].split("?")[0].rsplit("/", 1)[-1]
    realm = f"{fuzzed.url}/artifactory/api/docker/docker-local/v2/token"
    scope = {"service": "artifactory", "scope": "repository:app:pull,push,delete"}
    api_token = registry.ask_token(realm, scope, expect=200).json()["token"]
    return Known((*seed(IMAGE), LIST.digest), upload, (str(registry.bearer), api_token), DOCUMENTS)


@pytest.mark.parametrize("route", all_routes(fault_control=True), ids=lambda r: f"{r.method} {r.path}")
def test_route_never_answers_5xx(
    route: Route, fuzzed: RefRegistryProcess, known: Known, record_property: Callable[[str, object], None]
) -> None:
    """Workflow: random requests to one route, anonymous or signed in, never get a 5xx; the server lives on."""
    wire = Wire(fuzzed)
    logged = fuzzed.log.stat().st_size

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(exchanges(route, known))
    def fuzz(pair: tuple[Exchange, Exchange]) -> None:
        for exchange in pair:
            status = wire.send(exchange)
            assert status < 500, f"{status} for {exchange}"

    try:
        fuzz()
    finally:
        wire.close()
        record_property("fuzz_requests", wire.sent)
        record_property("fuzz_5xx", wire.server_errors)
    with fuzzed.log.open("rb") as log:  # an exception the server caught and answered for still shows there
        log.seek(logged)
        tracebacks = log.read().split(b"Traceback (most recent call last):")[1:]
    # aiohttp logs a request its HTTP parser refused (and answered 400) with a traceback too.
    unexpected = [t for t in tracebacks if b"aiohttp.http_exceptions." not in t]
    assert not unexpected, f"the server logged an exception: {unexpected[0][-600:].decode(errors='replace')}"

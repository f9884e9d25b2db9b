"""Fixtures of the project's own tests: refregistry processes and clients bound to them."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixtures.clients.registry import RegistryClient
from fixtures.services.process import RefRegistryProcess

ADMIN = ("admin", "password")

# Users beside admin for permission tests: a reader and a deployer without delete.
PERMISSIONS_CONFIG: dict[str, Any] = {
    "users": {
        "admin": {"password": "password", "admin": True},
        "reader": {"password": "reader-pw"},
        "deployer": {"password": "deployer-pw"},
    },
    "permissions": [
        {"user": "reader", "repositories": ["*"], "actions": ["read"]},
        {"user": "deployer", "repositories": ["docker-local"], "actions": ["read", "deploy"]},
    ],
}

StartServer = Callable[..., RefRegistryProcess]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz test's figures (tests/test_fuzz_routes.py), summed over the routes and workers of the run."""
    totals: dict[str, int] = {}
    for report in terminalreporter.getreports("passed") + terminalreporter.getreports("failed"):
        for name, value in report.user_properties:
            if name in ("fuzz_requests", "fuzz_5xx"):
                totals[name] = totals.get(name, 0) + int(value)
    if totals:
        line = f"fuzz: {totals['fuzz_requests']} requests over every route, {totals['fuzz_5xx']} answered 5xx"
        terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The self-proof's matrix item last: under xdist it is then handed out after every run it reads."""
    items.sort(key=lambda item: item.name.startswith("test_catch_matrix"))


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start refregistry processes (config dict, faults); all are stopped after the test."""
    started: list[RefRegistryProcess] = []

    def start(
        config: dict | None = None, faults: tuple[str, ...] = (), name: str = "rr", extra: tuple[str, ...] = ()
    ) -> RefRegistryProcess:
        config_path = None
        if config is not None:
            config_path = tmp_path / f"{name}.yaml"
            config_path.write_text(yaml.safe_dump(config))
        server = RefRegistryProcess(tmp_path / name, config=config_path, faults=faults, extra=extra)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(start_server: StartServer) -> RefRegistryProcess:
    return start_server(PERMISSIONS_CONFIG)


@pytest.fixture
def registry(server: RefRegistryProcess) -> RegistryClient:
    """admin on docker-local, repository-path form, following the Bearer flow."""
    return RegistryClient(server.url, "/v2/docker-local/", ADMIN)


@pytest.fixture
def api_registry(server: RefRegistryProcess) -> RegistryClient:
    """admin on docker-local through Artifactory's /artifactory/api/docker/<repo>/v2 form."""
    return RegistryClient(server.url, "/artifactory/api/docker/docker-local/v2/", ADMIN)


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on loopback answering with ``handler``: its URL while it runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

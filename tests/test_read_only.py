"""Read-only runs (``--read-only``): only GET and HEAD reach the target.

The proof reads the access logs of an embedded stack, nginx's and refregistry's, for the window of
a read-only live run against it.  Beside it: the guard refuses a write before it is sent, the
options that would write are refused, and an image that cannot be read stops the run in one line.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import docker
import pytest
import requests

from fixtures.clients.engine import Engine
from fixtures.clients.guard import WriteRefused, refuse_writes
from fixtures.clients.registry import RegistryClient, Session
from fixtures.content import images
from fixtures.readonly import WRITES
from fixtures.services.waiting import wait_until
from fixtures.stacks import lifecycle
from fixtures.stacks.files import ADMIN, READER
from fixtures.stacks.pool import StackPool
from tests.conftest import PERMISSIONS_CONFIG, StartServer

ROOT = Path(__file__).resolve().parent.parent
STACK = "nginx-repopath-tls"
# One request line of each log: nginx's default (combined) format, and refregistry's access logger.
NGINX = re.compile(r'^\S+ - \S+ \[[^\]]+\] "(\w+) (\S+) HTTP/[\d.]+"')
REFREGISTRY = re.compile(r' refregistry\.access \S+ "(\w+) (\S+) HTTP/[\d.]+"')
# What a read-only run must still show: the capabilities whose read-only checks pass on a stack.
READ = {"ping", "login", "oci_pull", "catalog", "properties", "push_pull", "tls"}


def run_conformance(report_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
    argv += ["--report-dir", str(report_dir), *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)


def test_guard_refuses_a_write_before_it_is_sent(tmp_path: Path) -> None:
    """With the guard on, a POST or a push raises WriteRefused without reaching anything; a GET goes out."""
    engine_client = mock.Mock()
    refuse_writes(True)
    try:
        with pytest.raises(WriteRefused, match=r"--read-only: POST http://127\.0\.0\.1:9/v2/x/blobs/uploads/ refused"):
            Session().post("http://127.0.0.1:9/v2/x/blobs/uploads/")  # nothing listens: sending would fail otherwise
        with pytest.raises(WriteRefused, match=r"--read-only: PUSH registry\.example/x:1 refused"):
            Engine(engine_client, tmp_path).push("registry.example/x:1")
        with pytest.raises(requests.ConnectionError):
            Session().get("http://127.0.0.1:9/v2/", timeout=5)
    finally:
        refuse_writes(False)
    engine_client.api.push.assert_not_called()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--read-only",), "--read-only applies to a live --target"),
        (("--probe-image", "app:1"), "--probe-image names what a --read-only run reads: add --read-only"),
        (
            ("--target", "https://r.example", "--read-only", "--promote-to", "docker-prod-local"),
            "--read-only writes nothing: drop --allow-config-changes, --promote-to, --retention-repo",
        ),
        (
            ("--target", "https://r.example", "--read-only", "--probe-image", "App:latest"),
            "--probe-image 'App:latest': expected image:tag or image@sha256:<64 hex> within --repo",
        ),
    ],
    ids=["no-target", "probe-without-read-only", "writing-option", "bad-reference"],
)
def test_options_that_contradict_a_read_only_run_are_refused(tmp_path: Path, args: tuple[str, ...], line: str) -> None:
    """Each contradiction is one line and a usage error, before anything is contacted."""
    done = run_conformance(tmp_path, *args)
    assert done.returncode == 4, done.stdout[-2000:]
    assert line in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize(
    ("probe", "line"),
    [
        (("--probe-image", "absent:1"), "--probe-image absent:1: GET /v2/docker-local/absent/manifests/1 answered 404"),
        ((), "--read-only: found no tagged image in --repo docker-local to read; name one with --probe-image"),
    ],
    ids=["named-image-absent", "empty-repository"],
)
def test_an_image_that_cannot_be_read_stops_the_run(
    start_server: StartServer, tmp_path: Path, probe: tuple[str, ...], line: str
) -> None:
    """Before any check: a named image that is not there, or a repository with nothing to read, is one line."""
    live = start_server(PERMISSIONS_CONFIG)
    done = run_conformance(
        tmp_path, "--target", live.url, "--username", "admin", "--password", "password", "--read-only", *probe
    )
    assert done.returncode == 4, done.stdout[-2000:]
    assert line in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


@pytest.fixture
def stack() -> Iterator[lifecycle.RunningStack]:
    """An embedded stack of a run of its own, started as the suite starts it; everything undone after."""
    run = secrets.token_hex(3)
    shared = Path(tempfile.gettempdir()) / f"refconf-{run}"
    pool = StackPool(run, shared, print, faults=[])
    try:
        yield pool.get(STACK)
    finally:
        pool.close()
        client = docker.from_env()
        lifecycle.sweep(client, run)
        client.close()
        shutil.rmtree(shared, ignore_errors=True)


class AccessLogs:
    """The stack container's output (nginx's and refregistry's access logs), read between marks."""

    def __init__(self, running: lifecycle.RunningStack) -> None:
        self.running = running
        ep = running.endpoint("docker-local")
        self.ping = f"{ep.base_url}/artifactory/api/system/ping"
        self.verify = str(running.ca)

    def lines(self) -> list[str]:
        return self.running.container.logs().decode(errors="replace").splitlines()

    def mark(self) -> int:
        """Send a marked request and wait until both logs show it: every earlier request is logged then.
        Returns the number of log lines up to it."""
        token = uuid.uuid4().hex
        requests.get(self.ping, params={"mark": token}, verify=self.verify, timeout=15)

        def logged() -> str | None:
            seen = [line for line in self.lines() if token in line]
            sources = {bool(REFREGISTRY.search(line)) for line in seen}
            return None if sources == {True, False} else f"mark logged by {len(seen)} of nginx and refregistry"

        wait_until(logged, what=f"stack {self.running.id}: the access logs", timeout=30)
        return max(i for i, line in enumerate(self.lines(), 1) if token in line)

    def requests_between(self, start: int, end: int) -> tuple[list[str], list[str]]:
        """(nginx's, refregistry's) request lines after line ``start`` and before line ``end``."""
        window = self.lines()[start : end - 1]
        proxy = [" ".join(found.groups()) for line in window if (found := NGINX.search(line))]
        registry = [" ".join(found.groups()) for line in window if (found := REFREGISTRY.search(line))]
        return proxy, registry


@pytest.mark.engine
def test_read_only_run_sends_only_get_and_head(stack: lifecycle.RunningStack, tmp_path: Path) -> None:
    """A --read-only live run against an embedded stack: nginx's and refregistry's access logs show only
    GET and HEAD; the report shows the checks that read passing and every other one skipped with the reason."""
    ep = stack.endpoint("docker-local")
    admin = RegistryClient(ep.registry_url, ep.root, ADMIN, verify=str(stack.ca))
    tagged, by_digest = images.image("probe/app", layers=2), images.image("probe/tools")
    admin.push(tagged, "probe/app", "1.0", expect=201)
    admin.push(by_digest, "probe/tools", "2.1", expect=201)
    catalog = admin.request("GET", "/v2/_catalog", expect=200).json()
    logs = AccessLogs(stack)
    start = logs.mark()
    done = run_conformance(
        tmp_path,
        *("--read-only", "--target", ep.registry_url, "--method", "repopath", "--repo", "docker-local"),
        *("--username", ADMIN[0], "--password", ADMIN[1], "--reader", ":".join(READER)),
        *("--ca-bundle", str(stack.ca), "--probe-image", "probe/app:1.0"),
        *("--probe-image", f"probe/tools@{by_digest.digest}"),
    )
    end = logs.mark()
    proxy, registry = logs.requests_between(start, end)
    assert len(proxy) >= 50 and len(registry) >= 50, (proxy, registry)
    methods = {line.split()[0] for line in proxy + registry}
    assert methods <= {"GET", "HEAD"}, [line for line in proxy + registry if line.split()[0] not in ("GET", "HEAD")]
    assert admin.request("GET", "/v2/_catalog", expect=200).json() == catalog

    report = json.loads((tmp_path / "latest" / "report.json").read_text())
    assert done.returncode == 0, done.stdout[-3000:]
    outcomes = {r["outcome"] for r in report["results"]}
    assert outcomes <= {"passed", "skipped", "unsupported"}, report["summary"]
    assert {r["capability"] for r in report["results"] if r["outcome"] == "passed"} >= READ
    assert report["summary"]["passed"] >= 30, report["summary"]
    assert all(r["message"] for r in report["results"] if r["outcome"] == "skipped")
    pushing = [r for r in report["results"] if "test_pushed_image_pulls_back_with_the_same_digest" in r["nodeid"]]
    assert [(r["outcome"], r["message"]) for r in pushing] == [("skipped", WRITES)]

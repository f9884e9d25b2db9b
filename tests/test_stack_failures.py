"""A stack that dies mid-run: its tests say so in one line, the other stacks go on, nothing is left."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest
from docker.models.containers import Container

from fixtures.stacks import hostenv

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
# A stack no other test starts: tests run side by side, and the victim is found by its stack label.
# (nginx-repopath-tls is where the self-proof proves the proxy faults built into a stack.)
VICTIM = "apache-repopath-tls"


def test_killed_proxy_fails_its_stack_only_and_leaves_nothing(tmp_path: Path) -> None:
    """Kill one stack's container once it is up: its tests fail naming it; the other stack passes."""
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "-n", "2"]
    argv += ["--stacks", f"direct-repopath-plain,{VICTIM}", "--report-dir", str(tmp_path)]
    run = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    client = docker.from_env()
    try:
        victim = wait_for_busy_container(client, run)
        victim.kill()
        output, _ = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    results = json.loads((tmp_path / "latest" / "report.json").read_text())["results"]
    failed = [r for r in results if r["stack"] == VICTIM and r["outcome"] in ("failed", "error")]
    assert failed, output[-2000:]
    messages = [r["message"] for r in failed]
    assert any(m.startswith(f"stack {VICTIM} went down during the run") for m in messages), messages
    others = [r for r in results if r["stack"] == "direct-repopath-plain"]
    assert [r for r in others if r["outcome"] in ("failed", "error")] == []
    run_id = json.loads((tmp_path / "latest" / "report.json").read_text())["run"]["id"].rsplit("-", 1)[1]
    assert client.containers.list(all=True, filters={"label": f"org.refconf.run={run_id}"}) == []
    assert f"{hostenv.MARK} {run_id}" not in hostenv.HOSTS.read_text()
    assert not [p for p in hostenv.CERTS_D.glob(f"*.{run_id}.art.local*")]


def wait_for_busy_container(client: docker.DockerClient, run: subprocess.Popen[str]) -> Container:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert run.poll() is None, "the conformance run ended before the stack came up"
        for container in client.containers.list(filters={"label": f"org.refconf.stack={VICTIM}"}):
            # Mid-run: the stack is up and tests are talking to it (a token request is in its log).
            if b"/token" in container.logs():
                return container
        time.sleep(0.2)
    raise AssertionError(f"{VICTIM} never came up")

"""A candidate registry image (--registry-image): the user's image behind the stacks' proxies.

The candidates are the stack image under another tag, configured through its environment alone
(as a user's Artifactory image is): once running the CNCF registry, once running refregistry.
The suite runs against each as a user would, and detection decides what applies.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from fixtures.stacks import hostenv
from fixtures.stacks.imagebuild import ensure_stack_image

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Cand-Pw-1"
Candidate = Callable[[str], str]


@pytest.fixture
def candidate() -> Iterator[Candidate]:
    """Tag the stack image as a candidate named ``regconf-candidate-<kind>:<random>``; untagged after."""
    client = docker.from_env()
    stack_image = client.images.get(ensure_stack_image(client))
    tags: list[str] = []

    def tag(kind: str) -> str:
        name = f"regconf-candidate-{kind}:{uuid.uuid4().hex[:8]}"
        stack_image.tag(name)
        tags.append(name)
        return name

    yield tag
    for name in tags:
        client.images.remove(name)
    client.close()


def conformance(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run the conformance suite as a user would; its output and its report."""
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
    done = subprocess.run(
        [*argv, *args, "--report-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    report_file = tmp_path / "latest" / "report.json"
    return done, json.loads(report_file.read_text()) if report_file.exists() else {}


def outcomes(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for result in report["results"]:
        found.setdefault(result["outcome"], set()).add(result["nodeid"].split("::")[-1])
    return found


def assert_left_nothing(report: dict[str, Any]) -> None:
    """No container (the candidate's included: it carries the run's label), network or hosts line."""
    run = report["run"]["id"].rsplit("-", 1)[1]
    client = docker.from_env()
    assert client.containers.list(all=True, filters={"label": f"org.refconf.run={run}"}) == []
    assert client.networks.list(filters={"label": f"org.refconf.run={run}"}) == []
    assert f"{hostenv.MARK} {run}" not in hostenv.HOSTS.read_text()
    client.close()


def test_cncf_registry_image_runs_behind_the_proxy(tmp_path: Path, candidate: Candidate) -> None:
    """A CNCF registry image: ping and push_pull pass; Artifactory's APIs and auth are unsupported."""
    image = candidate("cncf")
    done, report = conformance(
        tmp_path,
        *("--registry-image", image, "--registry-env", "STACK_REGISTRY=distribution", "--registry-port", "5000"),
        *("--stacks", "image-nginx-repopath-tls", "--capabilities", "ping,push_pull"),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    found = outcomes(report)
    assert set(found) == {"passed", "unsupported"}, found
    assert "test_pushed_image_pulls_back_with_the_same_digest[image-nginx-repopath-tls]" in found["passed"]
    [stack] = report["stacks"]
    assert (stack["id"], stack["registry"]) == ("image-nginx-repopath-tls", "image")
    assert stack["detected"]["kind"] == "oci" and stack["detected"]["product"] == "distribution"
    assert report["run"]["versions"]["candidate"].startswith(f"{image} (sha256:")
    assert_left_nothing(report)


def test_refregistry_image_configured_by_its_environment(tmp_path: Path, candidate: Candidate) -> None:
    """refregistry configured by environment variables alone, behind Apache under the ports method."""
    image = candidate("refregistry")
    env = {
        "REFREGISTRY_LISTEN": "0.0.0.0:8082",
        "REFREGISTRY_CONFIG_USERS": f"{{admin: {{password: {PASSWORD}, admin: true}}}}",
        "REFREGISTRY_CONFIG_DOCKER_REVERSE_PROXY_METHOD": "PORTPERREPO",
    }
    done, report = conformance(
        tmp_path,
        "--registry-image",
        image,
        *(arg for key, value in env.items() for arg in ("--registry-env", f"{key}={value}")),
        *("--username", "admin", "--password", PASSWORD),
        *("--stacks", "image-apache-ports-tls", "--capabilities", "ping,login,push_pull"),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    found = outcomes(report)
    assert set(found) <= {"passed", "skipped"}, found  # skipped: the read-only user's checks, none was named
    assert "test_wrong_password_is_refused[image-apache-ports-tls]" in found["passed"]
    [stack] = report["stacks"]
    assert stack["detected"]["kind"] == "refregistry", stack["detected"]
    assert PASSWORD not in json.dumps(report)
    assert_left_nothing(report)


def test_image_not_in_the_engine_is_one_line_and_exit_4(tmp_path: Path) -> None:
    """An image the local engine lacks: one line naming docker load, usage error 4, nothing pulled."""
    image = f"regconf-candidate-nowhere:{uuid.uuid4().hex[:8]}"
    done, report = conformance(tmp_path, "--registry-image", image, "--stacks", "image-nginx-repopath-tls")
    assert done.returncode == 4, done.stdout + done.stderr
    message = f"ERROR: image {image} is not in the local engine: load it first with 'docker load -i FILE'"
    assert done.stderr.strip() == message
    assert "Traceback" not in done.stdout + done.stderr and report == {}
    client = docker.from_env()
    assert client.images.list(name=image.partition(":")[0]) == []
    client.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "https://registry.invalid"), "--registry-image runs stacks of its own: not with --target,"),
        (("--registry-env", "NO_VALUE"), "--registry-env 'NO_VALUE': expected KEY=VALUE"),
        (("--repo", "team-local"), "--registry-image: --repo must be one of the stacks' keys (docker-local,"),
    ],
    ids=["with-target", "env-without-value", "repo-without-a-stack-name"],
)
def test_options_it_cannot_take_are_one_line_and_exit_4(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    """Options that do not go with a candidate image stop the run before anything starts."""
    done, _ = conformance(tmp_path, "--registry-image", "regconf-candidate-any:1", *args)
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stderr.startswith(f"ERROR: {message}") and len(done.stderr.strip().splitlines()) == 1, done.stderr

"""The suite without a checkout: its wheel in a fresh virtualenv runs the live checks, as a new user would.

The wheel is built from this tree and installed with pip as configured on the machine (its cache
keeps a second install quick); everything then runs from a directory outside the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import suite_version
from fixtures.stacks.imagebuild import build_lock
from tests.conftest import StartServer

ROOT = Path(__file__).resolve().parent.parent
PIP = ["-m", "pip", "-q", "--disable-pip-version-check"]


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the suite's wheel installed; its bin directory.  Made once per run, by
    whichever xdist worker asks first, under the lock every build from this tree takes (wheels are
    built in its build/ folder, which two builds at once trip over)."""
    base = tmp_path_factory.getbasetemp()
    work = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "installed-suite"
    bin_dir = work / "venv" / "bin"
    with build_lock():
        if not (bin_dir / "regconf").exists():
            subprocess.run(
                [sys.executable, *PIP, "wheel", "--no-deps", "-w", str(work / "dist"), str(ROOT)], check=True
            )
            [wheel] = (work / "dist").glob("registry_conformance-*.whl")
            subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
            subprocess.run([bin_dir / "python", *PIP, "install", str(wheel)], check=True)
    return bin_dir


def outside(tmp_path: Path, *argv: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command of the installed suite in a directory that is no checkout."""
    return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_regconf_says_its_version(installed: Path, tmp_path: Path) -> None:
    """regconf --version names the version pyproject gives the package."""
    done = outside(tmp_path, installed / "regconf", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"regconf {suite_version()}")


@pytest.mark.parametrize("command", ["pytest --pyargs conformance", "regconf run"])
def test_installed_suite_runs_the_live_ping_checks(
    installed: Path, tmp_path: Path, start_server: StartServer, command: str
) -> None:
    """The installed plugin against a refregistry: the ping checks pass; the report carries the version."""
    server = start_server()
    program, *first = command.split()
    argv: list[str | Path] = [installed / program, *first, "--target", server.url]
    argv += ["--username", "admin", "--password", "password"]
    done = outside(tmp_path, *argv, "-k", "ping", "-p", "no:cacheprovider", "--report-dir", "reports")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    assert report["run"]["versions"]["suite"] == suite_version()
    pinged = {r["nodeid"]: r["outcome"] for r in report["results"] if r["capability"] == "ping"}
    assert pinged and set(pinged.values()) == {"passed"}, pinged
    # Named as a checkout's run names them, so that the two compare.
    assert all(nodeid.startswith("conformance/test_ping.py::") for nodeid in pinged), pinged
    assert "PytestAssertRewriteWarning" not in done.stdout


def test_installed_suite_says_the_stacks_need_a_checkout(installed: Path, tmp_path: Path) -> None:
    """--registry-image from an install: one line saying the stack image is built from a checkout."""
    done = outside(tmp_path, installed / "regconf", "run", "--registry-image", "any:1", "-p", "no:cacheprovider")
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stderr.strip() == (
        "ERROR: --registry-image: the stack image is built from a checkout of the suite (make images there); "
        "an installed suite runs against a live registry: --target URL"
    )

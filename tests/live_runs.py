"""Live runs as a user starts them (``pytest conformance --target URL ...``), and what they leave."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from fixtures.services.process import RefRegistryProcess
from tests.conftest import ADMIN

ROOT = Path(__file__).resolve().parent.parent


def run_live(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
    argv += ["--report-dir", str(tmp_path / "reports"), *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)


def results(tmp_path: Path) -> dict[str, dict]:
    """The latest run's results by check name (without the stack parameter)."""
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    return {r["nodeid"].split("::")[1].split("[")[0]: r for r in report["results"]}


def settings_of(live: RefRegistryProcess) -> dict[str, dict]:
    """Every repository's settings, by key (GET /api/repositories, then each)."""
    api = f"{live.url}/artifactory/api/repositories"
    keys = [r["key"] for r in requests.get(api, auth=ADMIN, timeout=30).json()]
    return {key: requests.get(f"{api}/{key}", auth=ADMIN, timeout=30).json() for key in keys}


def folders(live: RefRegistryProcess, repo: str) -> list[str]:
    """The top-level folders of ``repo`` (storage API), where every image of a run would lie."""
    answer = requests.get(f"{live.url}/artifactory/api/storage/{repo}", auth=ADMIN, timeout=30)
    return [child["uri"] for child in answer.json().get("children", [])]

"""The suite proves itself: each fault of refregistry's catalogue fails the checks mapped to it.

Each case runs the conformance suite for real, as a user would (a pytest subprocess standing up
embedded stacks), once without faults and once per fault, and reads the report it writes.
Only faults whose mapped capabilities have conformance modules are run here; the others are
listed by ``test_every_fault_maps_to_known_capabilities``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refregistry.faults import CATALOGUE, Fault

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
MODULES = {p.stem.removeprefix("test_") for p in (ROOT / "conformance").glob("test_*.py")}
# One stack without a proxy and one behind a proxy: realm-ignores-proxy only shows behind one.
STACKS = "direct-repopath-plain,nginx-subdomain-tls"


def conformance(tmp_path: Path, capabilities: set[str], faults: list[str]) -> dict[str, object]:
    """Run the conformance suite and return its report.json."""
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
    argv += ["--stacks", STACKS, "--capabilities", ",".join(sorted(capabilities)), "--report-dir", str(tmp_path)]
    for fault in faults:
        argv += ["--fault", fault]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    latest = tmp_path / "latest" / "report.json"
    assert latest.exists(), f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    return json.loads(latest.read_text())


def failed_capabilities(report: dict[str, object]) -> dict[str, list[str]]:
    failed: dict[str, list[str]] = {}
    for result in report["results"]:  # type: ignore[union-attr]
        if result["outcome"] in ("failed", "error"):
            failed.setdefault(result["capability"], []).append(f"{result['nodeid']}: {result['message']}")
    return failed


def test_every_fault_maps_to_known_capabilities() -> None:
    """Every fault names at least one capability, and only names from CONVENTIONS."""
    known = {"ping", "login", "push_pull", "oci_pull", "oci_push", "oci_discovery", "oci_management"}
    known |= {"multiarch", "properties", "catalog", "promotion", "retention", "deletion", "virtual", "remote"}
    known |= {"content_trust", "tls", "v1"}
    for fault in CATALOGUE:
        assert fault.checks and set(fault.checks) <= known, fault.name


def test_fault_free_run_passes(tmp_path: Path) -> None:
    """Without faults every conformance check passes on the self-proof stacks."""
    report = conformance(tmp_path, MODULES, [])
    assert failed_capabilities(report) == {}
    assert report["summary"]["passed"] > 0  # type: ignore[index]


@pytest.mark.parametrize("fault", [f for f in CATALOGUE if set(f.checks) & MODULES], ids=lambda f: f.name)
def test_fault_is_caught(tmp_path: Path, fault: Fault) -> None:
    """With the fault on, every mapped capability that has a module has a failing check."""
    mapped = set(fault.checks) & MODULES
    report = conformance(tmp_path, mapped, [fault.name])
    caught = failed_capabilities(report)
    assert set(caught) == mapped, f"{fault.name} not caught by {sorted(mapped - set(caught))}"

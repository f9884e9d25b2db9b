"""The suite proves itself: each fault of refregistry's catalogue fails the checks mapped to it,
and every check is failed by some fault.

The conformance suite runs for real, as a user would (pytest subprocesses standing up embedded
stacks): once without faults and once per fault, with the capabilities the fault maps to.  Their
reports make a fault × check catch matrix, written to ``reports/selfproof/`` (``report.json``:
the fault-free run's report plus CONVENTIONS' ``faults`` list and the ``unproven`` checks;
``matrix.md``: the same as tables).  A fault none of its checks catch, or a check no fault
breaks (unproven: it might pass whatever the target does), fails the self-test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from refregistry.faults import CATALOGUE

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
MODULES = {p.stem.removeprefix("test_") for p in (ROOT / "conformance").glob("test_*.py")}
# One stack without a proxy and one behind a proxy: realm-ignores-proxy only shows behind one.
STACKS = ("direct-repopath-plain", "nginx-subdomain-tls")
OUT = ROOT / "reports" / "selfproof"
FAILING = ("failed", "error")
Report = dict[str, Any]  # a report.json document


def conformance(report_dir: Path, capabilities: set[str], faults: list[str]) -> Report:
    """Run the conformance suite and return its report.json."""
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
    argv += ["--stacks", ",".join(STACKS), "--capabilities", ",".join(sorted(capabilities))]
    argv += ["--report-dir", str(report_dir)]
    for fault in faults:
        argv += ["--fault", fault]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    latest = report_dir / "latest" / "report.json"
    assert latest.exists(), f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    return json.loads(latest.read_text())


def check_of(result: dict[str, Any]) -> str:
    """A result's check: its node id without the stack it ran on (a check runs on every stack)."""
    stack = re.escape(result["stack"])
    return re.sub(rf"\[{stack}\]$|-{stack}(?=[\]-])|(?<=\[){stack}-", "", result["nodeid"])


def catch_matrix(clean: Report, by_fault: dict[str, Report]) -> dict[str, Any]:
    """Which checks each fault made fail, which faults each check caught, and what is left unproven."""
    results = clean["results"]
    checks = sorted({check_of(r) for r in results if r["outcome"] == "passed"})
    faults, caught_by = [], {check: [] for check in checks}
    for fault in CATALOGUE:
        mapped = set(fault.checks) & MODULES
        report = by_fault.get(fault.name, {"results": []})
        failed = sorted({check_of(r) for r in report["results"] if r["outcome"] in FAILING})
        failing_capabilities = {r["capability"] for r in report["results"] if r["outcome"] in FAILING}
        for check in failed:
            caught_by.setdefault(check, []).append(fault.name)
        faults.append(
            {
                "fault": fault.name,
                "summary": fault.summary,
                "capabilities": sorted(fault.checks),
                "checks": failed,
                "uncaught_capabilities": sorted(mapped - failing_capabilities),
                "caught": bool(mapped) and mapped <= failing_capabilities,
            }
        )
    unproven = sorted(check for check in checks if not caught_by.get(check))
    return {"faults": faults, "caught_by": {c: caught_by[c] for c in checks}, "unproven": unproven}


def write_matrix(clean: Report, matrix: dict[str, Any]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    doc = {**clean, "faults": matrix["faults"], "unproven": matrix["unproven"]}
    (OUT / "report.json").write_text(json.dumps(doc, indent=2) + "\n")
    lines = ["# Self-proof: fault × check catch matrix", "", f"Stacks: {', '.join(STACKS)}.", ""]
    lines += ["## Faults", "", "| fault | caught | checks it failed |", "|---|---|---|"]
    for row in matrix["faults"]:
        mark = "yes" if row["caught"] else f"**no** ({', '.join(row['uncaught_capabilities'])} not failed)"
        lines.append(f"| `{row['fault']}` | {mark} | {len(row['checks'])} |")
    lines += ["", "## Checks", "", "| check | caught by |", "|---|---|"]
    for check, faults in matrix["caught_by"].items():
        lines.append(f"| `{check}` | {', '.join(f'`{f}`' for f in faults) or '**unproven**'} |")
    (OUT / "matrix.md").write_text("\n".join(lines) + "\n")


def test_every_fault_maps_to_known_capabilities() -> None:
    """Every fault names at least one capability, and only names from CONVENTIONS."""
    known = {"ping", "login", "push_pull", "oci_pull", "oci_push", "oci_discovery", "oci_management"}
    known |= {"multiarch", "properties", "catalog", "promotion", "retention", "deletion", "virtual", "remote"}
    known |= {"content_trust", "tls", "v1"}
    for fault in CATALOGUE:
        assert fault.checks and set(fault.checks) <= known, fault.name


def test_every_fault_is_caught_and_every_check_proven(tmp_path: Path) -> None:
    """The fault-free run passes; each fault fails its capabilities' checks; no check is unproven."""
    runs = {"": MODULES} | {f.name: set(f.checks) & MODULES for f in CATALOGUE if set(f.checks) & MODULES}

    def run(name: str) -> Report:
        return conformance(tmp_path / (name or "fault-free"), runs[name], [name] if name else [])

    # Each run stands up two stacks: a few at a time, whatever the machine's core count.
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 2, 4)) as pool:
        reports = dict(zip(runs, pool.map(run, runs), strict=True))
    clean = reports.pop("")
    failing = [f"{r['nodeid']}: {r['message']}" for r in clean["results"] if r["outcome"] in FAILING]
    assert failing == [], "the fault-free run fails:\n" + "\n".join(failing)
    matrix = catch_matrix(clean, reports)
    write_matrix(clean, matrix)
    uncaught = [f"{row['fault']} (by {row['uncaught_capabilities']})" for row in matrix["faults"] if not row["caught"]]
    assert uncaught == [], f"faults not caught: {uncaught}; see {OUT / 'matrix.md'}"
    assert matrix["unproven"] == [], f"checks no fault breaks: {matrix['unproven']}; see {OUT / 'matrix.md'}"

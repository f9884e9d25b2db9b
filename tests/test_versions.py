"""Version-aware expectations: the table (fixtures/report/versions.py), its gate, and its proof.

The table names real checks, agrees with the changes refregistry imitates and is what
docs/versions.md shows.  On an embedded stack whose refregistry is older than every change, the
table's checks are unsupported with the version as evidence and nothing fails; with the gate
held at the current version (``--assume-version``) the same checks fail: the gate, not the
checks, is what keeps them from failing, and each can still fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures.report import versions
from fixtures.report.outcomes import check_id
from fixtures.report.versions import BEHAVIOURS, newer_than_target
from refregistry import versions as imitated

ROOT = Path(__file__).resolve().parent.parent
STACK = "direct-repopath-plain"
OLDER_THAN_ALL = "7.75.2"  # before every change refregistry imitates
GATED = sorted({check for b in BEHAVIOURS for check in b.checks})


def pytest_run(*args: str, report_dir: Path) -> dict[str, Any]:
    """A conformance run as a user makes it; its report.json."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REFCONF_"))}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--report-dir", str(report_dir), *args]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    report = report_dir / "latest" / "report.json"
    assert report.exists(), f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
    return dict(json.loads(report.read_text()))


def test_every_gated_check_exists(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pytest", "--collect-only", "-q", "conformance", "--stacks", STACK]
    argv += ["--report-dir", str(tmp_path)]
    listed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120).stdout.splitlines()
    collected = {check_id(line, STACK) for line in listed if "::" in line}
    assert set(GATED) - collected == set()


def test_refregistry_imitates_exactly_the_gated_versions() -> None:
    """Each behaviour a check relies on is a change refregistry can be started before, and no other."""
    assert {b.since for b in BEHAVIOURS if b.checks} == {c.since for c in imitated.CHANGES}


def test_docs_show_the_table() -> None:
    text = (ROOT / "docs" / "versions.md").read_text()
    start = text.index("<!-- generated:")
    table = text[text.index("\n", start) + 1 : text.index("<!-- end of the generated table -->")]
    assert table == versions.markdown(), "regenerate it: python -m fixtures.report.versions"


@pytest.mark.parametrize(
    ("version", "expected"),
    [("7.119.0", None), ("7.200.3", None), (None, None), ("unknown", None), ("7.118.9", "7.119.0")],
)
def test_gate_by_version(version: str | None, expected: str | None) -> None:
    reason = newer_than_target(
        "conformance/test_deletion.py::test_parent_manifest_lists_name_the_lists_holding_a_tag", version, "evidence"
    )
    if expected is None:
        assert reason is None
    else:
        assert reason == (
            f"the parent manifest lists API is documented from Artifactory {expected}; "
            f"the target is {version} (evidence)"
        )


def test_versions_compare_as_numbers() -> None:
    assert versions.parse("7.104.10-cloud") == (7, 104, 10)
    assert versions.parse("7.31.x") == versions.parse("7.31.0")
    assert [versions.parse(v) for v in ("7.9.0", "7.10.0")] == [(7, 9, 0), (7, 10, 0)]


def gated_run(tmp_path: Path, *extra: str, checks: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The gated checks' capabilities (or only ``checks``) on the stack, its refregistry OLDER_THAN_ALL."""
    capabilities = sorted({check.split("test_", 1)[1].split(".py")[0] for check in GATED})
    args = checks or [f"conformance/test_{c}.py" for c in capabilities]
    report = pytest_run(
        *args,
        "--stacks",
        STACK,
        "--capabilities",
        ",".join(capabilities),
        "--artifactory-version",
        OLDER_THAN_ALL,
        *extra,
        report_dir=tmp_path,
    )
    return {check_id(r["nodeid"], r["stack"]): r for r in report["results"]}


@pytest.mark.engine
def test_checks_newer_than_the_stack_are_unsupported_and_nothing_fails(tmp_path: Path) -> None:
    results = gated_run(tmp_path)
    unsupported = {check for check, r in results.items() if r["outcome"] == "unsupported"}
    assert unsupported == set(GATED)
    for check in GATED:
        assert f"the target is {OLDER_THAN_ALL} (its refregistry was started with" in results[check]["message"]
    assert {r["outcome"] for check, r in results.items() if check not in GATED} == {"passed"}


@pytest.mark.engine
def test_with_the_gate_at_the_current_version_those_checks_fail(tmp_path: Path) -> None:
    nodeids = [check.replace("[", f"[{STACK}-") if "[" in check else f"{check}[{STACK}]" for check in GATED]
    results = gated_run(tmp_path, "--assume-version", imitated.CURRENT, checks=nodeids)
    assert {check: r["outcome"] for check, r in results.items()} == dict.fromkeys(GATED, "failed")

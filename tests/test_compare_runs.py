"""``regconf compare`` and ``--baseline``: exit statuses, the JSON form, the files a run writes, two real runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.report.outcomes import Report
from tests.crafted_reports import AFTER, BEFORE, PLAIN, report, result

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
REGCONF = Path(sys.executable).parent / "regconf"


def write(path: Path, doc: Report) -> Path:
    path.write_text(json.dumps(doc))
    return path


def regconf(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REGCONF), *map(str, args)], capture_output=True, text=True, check=False, timeout=60)


def test_json_lists_every_category_with_the_conventions_entries(tmp_path: Path) -> None:
    """`regconf compare --json`: CONVENTIONS' five lists, each entry check, stack, before, after, message."""
    done = regconf("compare", "--json", write(tmp_path / "a.json", BEFORE), write(tmp_path / "b.json", AFTER))
    doc = json.loads(done.stdout)
    assert {"regressed", "fixed", "changed", "appeared", "disappeared"} <= doc.keys()
    assert doc["baseline"] == {"id": "run-1", "suite": "0.1.0"} and doc["run"] == {"id": "run-2", "suite": "0.1.0"}
    for category in ("regressed", "fixed", "changed", "appeared", "disappeared"):
        assert doc[category] and all(set(e) == {"check", "stack", "before", "after", "message"} for e in doc[category])
    assert doc["appeared"][0]["before"] is None


def test_exit_status_is_1_on_a_regression_and_0_without(tmp_path: Path) -> None:
    """So `regconf compare` gates CI; a run directory names its report.json."""
    before, after = write(tmp_path / "a.json", BEFORE), write(tmp_path / "b.json", AFTER)
    assert regconf("compare", before, after).returncode == 1
    (tmp_path / "run").mkdir()
    fixed = report("run-3", [result("ping::passes_then_fails", "passed")])
    write(tmp_path / "run" / "report.json", fixed)
    done = regconf("compare", after, tmp_path / "run")
    assert done.returncode == 0 and done.stdout.startswith("**no regressions**")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read it"),
        ("{", "not JSON"),
        ('{"run": {"id": "x"}, "results": [{"nodeid": "n"}]}', "not a report.json (result 0 lacks"),
        (
            '{"run": {"id": "x"}, "results": [{"nodeid": "n", "stack": "s", "outcome": "odd", "duration": 0}]}',
            "outcome 'odd'",
        ),
    ],
)
def test_an_unreadable_report_is_exit_status_2_in_one_line(tmp_path: Path, content: str | None, says: str) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    done = regconf("compare", write(tmp_path / "a.json", BEFORE), bad)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"regconf compare: {bad}: ") and says in done.stderr


def test_usage_errors_exit_2_and_the_module_runs_as_regconf_compare(tmp_path: Path) -> None:
    assert regconf("compare", tmp_path / "only-one.json").returncode == 2
    before, after = write(tmp_path / "a.json", BEFORE), write(tmp_path / "b.json", AFTER)
    module = [sys.executable, "-m", "fixtures.report.compare", str(before), str(after)]
    done = subprocess.run(module, capture_output=True, text=True, check=False, cwd=ROOT, timeout=60)
    assert done.returncode == 1 and done.stdout.startswith("**4 regressions**")


CHECKS = """
import os
import pytest
pytestmark = pytest.mark.capability("ping")

def test_steady():
    pass

def test_breaks_when_told():
    assert not os.environ.get("BREAK"), "GET /v2/: expected 200, got 500"
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_checks=CHECKS)
    return pytester


def test_baseline_writes_the_comparison_beside_the_report(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--baseline: comparison.json and .md, report.json's "comparison", a report.html section, a terminal line."""
    assert suite.runpytest_subprocess("-p", "fixtures.plugin").ret == 0
    baseline = (suite.path / "reports" / "latest").resolve()
    monkeypatch.setenv("BREAK", "1")
    result = suite.runpytest_subprocess("-p", "fixtures.plugin", "--baseline", str(baseline))
    assert result.ret == 1
    latest = suite.path / "reports" / "latest"
    doc = json.loads((latest / "report.json").read_text())
    assert json.loads((latest / "comparison.json").read_text()) == doc["comparison"]
    assert [(e["check"], e["before"], e["after"]) for e in doc["comparison"]["regressed"]] == [
        ("test_checks.py::test_breaks_when_told", "passed", "failed")
    ]
    assert (latest / "comparison.md").read_text().startswith(f"**1 regression** against run `{baseline.name}`: ")
    assert f"Compared with {baseline.name}</h2>" in (latest / "report.html").read_text()
    result.stdout.fnmatch_lines([f"compared: 1 regression against run {baseline.name}: 0 fixed, *comparison.md)"])


def test_an_unreadable_baseline_stops_the_run_in_one_line(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "fixtures.plugin", "--baseline", "nowhere.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0].startswith("ERROR: --baseline: nowhere.json: cannot read it (")
    assert not (suite.path / "reports").exists()


@pytest.mark.engine
def test_a_fault_shows_as_regressions_against_a_clean_run(tmp_path: Path) -> None:
    """Two real runs on one stack, the second with faults: --baseline and regconf compare name what broke."""

    def conformance(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
        argv += ["--stacks", PLAIN, "--capabilities", "ping", "--report-dir", str(tmp_path), *args]
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)

    clean = conformance()
    assert clean.returncode == 0, clean.stdout[-2000:]
    baseline = (tmp_path / "latest").resolve()
    faulty = conformance("--fault", "ping-not-ok", "--fault", "v2-no-challenge", "--baseline", str(baseline))
    assert faulty.returncode == 1, faulty.stdout[-2000:]
    assert f"compared: 3 regressions against run {baseline.name}: " in faulty.stdout
    done = regconf("compare", baseline, tmp_path / "latest")
    assert done.returncode == 1
    for check in (
        "test_system_ping_answers_ok",
        "test_v2_challenges_anonymous_clients_with_bearer",
        "test_challenge_realm_is_reachable_where_the_client_is",
    ):
        assert f"| `test_ping.py::{check}` | {PLAIN} | passed | failed | " in done.stdout
    assert done.stdout == (tmp_path / "latest" / "comparison.md").read_text()

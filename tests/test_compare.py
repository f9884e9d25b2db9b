"""Comparing two runs' report.json: the categories, renames, the timing rule, Markdown, JSON, exit statuses.

Inputs are crafted report.json documents; only the last test runs the suite for real (twice,
the second time with a fault) and compares the two.  No test asserts how long anything takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures.report.compare import check_id, compare
from fixtures.report.markdown import markdown
from fixtures.report.outcomes import Comparison, Outcome, Report, Result

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
REGCONF = Path(sys.executable).parent / "regconf"
PLAIN, TLS = "direct-repopath-plain", "nginx-subdomain-tls"


def result(name: str, outcome: str, *, stack: str = PLAIN, duration: float = 0.1, message: str = "") -> Result:
    module, _, test = name.partition("::")
    return {
        "nodeid": f"conformance/test_{module}.py::{test}[{stack}]",
        "stack": stack,
        "capability": module,
        "outcome": Outcome(outcome),
        "duration": duration,
        "message": message,
    }


def report(run: str, results: list[Result], suite: str = "0.1.0") -> Report:
    return {
        "run": {"id": run, "started": "", "finished": "", "argv": [], "versions": {"suite": suite}},
        "stacks": [{"id": s} for s in sorted({r["stack"] for r in results})],
        "results": results,
        "summary": {},
    }


def rows(comparison: Comparison, category: str) -> list[tuple[str, str, Any, Any]]:
    entries = comparison[category]  # type: ignore[literal-required]  # the category under test, by name
    return [(e["check"].split("::")[1], e["stack"], e["before"], e["after"]) for e in entries]


# Every move between outcomes that the module's table names, one check each.
BEFORE = report(
    "run-1",
    [
        result("ping::passes_then_fails", "passed"),
        result("ping::skipped_then_errors", "skipped"),
        result("ping::deviation_then_fails", "deviation"),
        result("ping::unsupported_then_fails", "unsupported"),
        result("ping::fails_then_passes", "failed", message="expected 200, got 500"),
        result("ping::errors_then_passes", "error"),
        result("ping::fails_then_errors", "failed"),
        result("ping::fails_then_unsupported", "failed"),
        result("ping::passes_then_skipped", "passed"),
        result("ping::stays_passed", "passed"),
        result("ping::stays_failed", "failed"),
        result("ping::leaves", "passed"),
        result("ping::stays_passed", "passed", stack=TLS),
        result("catalog::not_run_later", "passed"),
    ],
)
AFTER = report(
    "run-2",
    [
        result("ping::passes_then_fails", "failed", message="GET /v2/: expected 200, got 401"),
        result("ping::skipped_then_errors", "error"),
        result("ping::deviation_then_fails", "failed"),
        result("ping::unsupported_then_fails", "failed"),
        result("ping::fails_then_passes", "passed"),
        result("ping::errors_then_passes", "passed"),
        result("ping::fails_then_errors", "error"),
        result("ping::fails_then_unsupported", "unsupported"),
        result("ping::passes_then_skipped", "skipped"),
        result("ping::stays_passed", "passed"),
        result("ping::stays_failed", "failed"),
        result("ping::arrives", "failed", message="new and failing"),
        result("ping::stays_passed", "passed", stack="haproxy-ports-tls"),
    ],
)


def test_each_move_between_outcomes_lands_in_its_category() -> None:
    """Regressed: not failing → failed/error; fixed: failing → passed; any other move: changed."""
    c = compare(BEFORE, AFTER)
    assert rows(c, "regressed") == [
        ("deviation_then_fails", PLAIN, "deviation", "failed"),
        ("passes_then_fails", PLAIN, "passed", "failed"),
        ("skipped_then_errors", PLAIN, "skipped", "error"),
        ("unsupported_then_fails", PLAIN, "unsupported", "failed"),
    ]
    assert rows(c, "fixed") == [
        ("errors_then_passes", PLAIN, "error", "passed"),
        ("fails_then_passes", PLAIN, "failed", "passed"),
    ]
    assert rows(c, "changed") == [
        ("fails_then_errors", PLAIN, "failed", "error"),
        ("fails_then_unsupported", PLAIN, "failed", "unsupported"),
        ("passes_then_skipped", PLAIN, "passed", "skipped"),
    ]
    assert c["unchanged"] == 2  # stays_passed and stays_failed on the stack both runs covered
    messages = {e["check"].split("::")[1]: e["message"] for e in c["regressed"] + c["fixed"]}
    assert messages["passes_then_fails"] == "GET /v2/: expected 200, got 401"  # why it fails now
    assert messages["fails_then_passes"] == "was: expected 200, got 500"  # what was fixed


def test_appeared_and_disappeared_say_why() -> None:
    """A check only in one run is named with the reason; whole stacks or capabilities only in one run are counted."""
    c = compare(BEFORE, AFTER)
    assert [(e["check"], e["stack"], e["message"]) for e in c["disappeared"]] == [
        ("conformance/test_catalog.py::not_run_later", PLAIN, f"capability catalog not run on {PLAIN}"),
        ("conformance/test_ping.py::leaves", PLAIN, "not run"),
        ("conformance/test_ping.py::stays_passed", TLS, f"stack {TLS} not run"),
    ]
    assert [(e["check"], e["stack"], e["after"], e["message"]) for e in c["appeared"]] == [
        ("conformance/test_ping.py::arrives", PLAIN, "failed", "not in the baseline: new and failing"),
        (
            "conformance/test_ping.py::stays_passed",
            "haproxy-ports-tls",
            "passed",
            "stack haproxy-ports-tls not in the baseline",
        ),
    ]
    assert c["uncompared"] == {
        f"capability catalog not run on {PLAIN}": 1,
        f"stack {TLS} not run": 1,
        "stack haproxy-ports-tls not in the baseline": 1,
    }


def test_a_check_missing_from_one_stack_only_is_named_so() -> None:
    """The check ran on other stacks of the same capability: it was not run on this one."""
    before = report(
        "a",
        [result("ping::x", "passed"), result("ping::x", "passed", stack=TLS), result("ping::y", "passed", stack=TLS)],
    )
    after = report("b", [result("ping::x", "passed"), result("ping::y", "passed", stack=TLS)])
    assert [(e["stack"], e["message"]) for e in compare(before, after)["disappeared"]] == [(TLS, f"not run on {TLS}")]


def test_checks_of_different_suite_versions_are_named_removed_or_new() -> None:
    """Across suite versions a check absent from one run was removed from, or added to, the suite."""
    c = compare(
        report("a", [result("ping::old", "passed")], "0.1.0"), report("b", [result("ping::new", "passed")], "0.2.0")
    )
    assert [e["message"] for e in c["disappeared"]] == ["removed: not in suite 0.2.0"]
    assert [e["message"] for e in c["appeared"]] == ["new: not in suite 0.1.0"]


def test_a_renamed_check_is_compared_under_its_new_name() -> None:
    """RENAMED's entries map a baseline's old ids to new ones: compared, not appeared and disappeared."""
    before = report("a", [result("ping::old_name", "passed")], "0.1.0")
    after = report("b", [result("ping::new_name", "failed", message="boom")], "0.2.0")
    renames = {"conformance/test_ping.py::old_name": "conformance/test_ping.py::new_name"}
    c = compare(before, after, renames)
    assert rows(c, "regressed") == [("new_name", PLAIN, "passed", "failed")]
    assert c["appeared"] == c["disappeared"] == []
    assert c["renamed"] == [
        {"before": "conformance/test_ping.py::old_name", "after": "conformance/test_ping.py::new_name"}
    ]
    assert (
        "Compared under their new names: `conformance/test_ping.py::old_name` → `conformance/test_ping.py::new_name`."
        in markdown(c)
    )


@pytest.mark.parametrize(
    ("nodeid", "stack", "check"),
    [
        ("m.py::t[nginx-subdomain-tls]", TLS, "m.py::t"),
        (
            "m.py::t[direct-repopath-plain-tag-HEAD]",
            PLAIN,
            "m.py::t[tag-HEAD]",
        ),  # the stack first, as pytest orders them
        ("m.py::t[oci-index-nginx-subdomain-tls]", TLS, "m.py::t[oci-index]"),
        ("m.py::t[distribution-nginx-subdomain-tls]", "distribution-nginx-subdomain-tls", "m.py::t"),
        ("m.py::t", "live", "m.py::t"),
        ("m.py::t[other]", "live", "m.py::t[other]"),
    ],
)
def test_the_check_id_is_the_node_id_without_its_stack(nodeid: str, stack: str, check: str) -> None:
    found = result("ping::x", "passed", stack=stack) | {"nodeid": nodeid}
    assert check_id(found) == check


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [
        (1.0, 2.0, True),  # twice as long, one second more
        (3.0, 1.0, True),  # faster counts too
        (0.01, 0.9, False),  # ninety times, but under a second
        (10.0, 19.0, False),  # nine seconds, but under twice
        (1.0, 1.5, False),
    ],
)
def test_timing_changes_are_shown_only_beyond_both_bounds(before: float, after: float, shown: bool) -> None:
    """Durations are crafted numbers here: nothing is timed."""
    c = compare(
        report("a", [result("ping::x", "passed", duration=before)]),
        report("b", [result("ping::x", "passed", duration=after)]),
    )
    assert [(t["before"], t["after"]) for t in c["timing"]] == ([(before, after)] if shown else [])


def test_timing_is_compared_only_between_passes() -> None:
    """A failure's duration says where it stopped, not how fast the target was."""
    c = compare(
        report("a", [result("ping::x", "failed", duration=0.1)]),
        report("b", [result("ping::x", "failed", duration=30.0)]),
    )
    assert c["timing"] == []


def test_markdown_is_a_verdict_line_then_short_tables() -> None:
    """The first line is the verdict with counts; tables stop at max_rows with a count of the rest."""
    text = markdown(compare(BEFORE, AFTER), max_rows=2)
    lines = text.splitlines()
    assert lines[0] == (
        "**4 regressions** against run `run-1`: 2 fixed, 3 changed, 1 appeared, 1 disappeared, 0 timing changes, "
        "2 unchanged, 3 not compared"
    )
    assert "#### Regressed (4)" in lines and "#### Fixed (2)" in lines and "#### Appeared (1)" in lines
    assert "| `test_ping.py::deviation_then_fails` | direct-repopath-plain | deviation | failed |  |" in lines
    assert "… and 2 more (all of them in the JSON form)." in lines
    assert lines[-1].startswith("Not compared, as the runs covered different stacks or capabilities: ")
    assert f"capability catalog not run on {PLAIN} (1 check)" in lines[-1] and lines[-1].endswith("and 1 more.")


def test_markdown_keeps_a_message_to_one_cell() -> None:
    """Pipes and tags are escaped, newlines joined and a long message cut, so the table stays a table."""
    after = report("b", [result("ping::x", "failed", message="<html> a | b\nc " + "x" * 300)])
    row = next(
        line
        for line in markdown(compare(report("a", [result("ping::x", "passed")]), after)).splitlines()
        if "test_ping.py::x" in line
    )
    assert "| \\<html> a \\| b c xxx" in row and row.endswith("… |") and len(row) < 300


def test_no_regression_reads_so() -> None:
    text = markdown(compare(report("a", [result("ping::x", "failed")]), report("b", [result("ping::x", "passed")])))
    assert text.startswith("**no regressions** against run `a`: 1 fixed,")


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

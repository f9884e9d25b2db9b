"""Merging the reports of a sharded matrix: merge()'s rules, ``regconf merge``, ``--merge``, and three real shards.

The rules are tried on crafted report.json documents (tests/crafted_reports.py); the acceptance
is the end-to-end test: three shard runs, one stack each, merged, equal the unsharded run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.report.merge import MergeError, merge
from fixtures.report.outcomes import Report, Result
from tests.crafted_reports import PLAIN, TLS, report, result
from tests.test_compare_runs import ROOT, regconf, write

pytest_plugins = ["pytester"]

HA = "ha-haproxy-repopath-tls"


def shard(run: str, started: str, results: list[Result], **versions: str) -> Report:
    doc = report(run, results)
    doc["run"]["started"], doc["run"]["finished"] = started, started.replace("T10", "T11")
    doc["run"]["argv"] = ["pytest", run]
    doc["run"]["versions"].update(versions)
    return doc


A = shard("run-a", "2026-01-01T10:00:00+00:00", [result("ping::ok", "passed"), result("ping::bad", "failed")])
B = shard("run-b", "2026-01-01T10:05:00+00:00", [result("ping::ok", "passed", stack=TLS)])
C = shard("run-c", "2026-01-01T09:59:00+00:00", [result("ping::ok", "unsupported", stack=HA)])


def nodeids(doc: Report) -> list[str]:
    return [r["nodeid"] for r in doc["results"]]


def test_results_stacks_summary_and_run_of_the_merge() -> None:
    """Results in the order the shards started, the stacks' union, the summary counted again, a new run entry."""
    doc, notes = merge([A, B, C], ["regconf", "merge"])
    assert nodeids(doc) == nodeids(C) + nodeids(A) + nodeids(B)
    assert [s["id"] for s in doc["stacks"]] == sorted([PLAIN, TLS, HA])
    assert doc["summary"] == {"passed": 2, "failed": 1, "error": 0, "skipped": 0, "unsupported": 1, "deviation": 0}
    run = doc["run"]
    assert (run["started"], run["finished"]) == ("2026-01-01T09:59:00+00:00", "2026-01-01T11:05:00+00:00")
    assert run["argv"] == ["regconf", "merge"] and run["versions"] == {"suite": "0.1.0"}
    assert notes == []


def test_each_shard_keeps_its_provenance_and_the_merged_id_is_theirs() -> None:
    doc = merge([A, B, C], []).report
    assert [s["id"] for s in doc["shards"]] == ["run-c", "run-a", "run-b"]
    assert doc["shards"][1] == {
        "id": "run-a",
        "started": A["run"]["started"],
        "finished": A["run"]["finished"],
        "argv": ["pytest", "run-a"],
        "versions": {"suite": "0.1.0"},
        "stacks": [PLAIN],
    }
    same, other = merge([C, B, A], []).report["run"]["id"], merge([A, B], []).report["run"]["id"]
    assert doc["run"]["id"] == same != other and same.startswith("merged-")
    assert merge([A, B], [], run_id="given").report["run"]["id"] == "given"


def test_a_merge_of_merges_lists_the_runs_it_was_made_of() -> None:
    first = merge([A, B], []).report
    doc = merge([first, C], []).report
    assert [s["id"] for s in doc["shards"]] == ["run-c", "run-a", "run-b"]
    assert sorted(nodeids(doc)) == sorted(nodeids(A) + nodeids(B) + nodeids(C))


def test_a_check_in_two_runs_is_refused_naming_both() -> None:
    retried = shard("run-b2", "2026-01-01T10:06:00+00:00", [result("ping::ok", "failed", stack=TLS)])
    with pytest.raises(MergeError) as caught:
        merge([A, B, retried], [])
    assert str(caught.value) == f"check conformance/test_ping.py::ok[{TLS}] is in run run-b and in run run-b2"


def test_a_report_given_twice_is_taken_once_and_two_reports_of_one_run_are_refused() -> None:
    doc, notes = merge([A, B, json.loads(json.dumps(A))], [])
    assert nodeids(doc) == nodeids(A) + nodeids(B) and len(doc["shards"]) == 2
    assert notes == ["run run-a was given twice: taken once"]
    impostor = shard("run-a", "2026-01-01T10:00:00+00:00", [result("catalog::x", "passed")])
    with pytest.raises(MergeError, match=r"^two different reports of run run-a$"):
        merge([A, impostor], [])
    with pytest.raises(MergeError, match="no reports"):
        merge([], [])
    partial: dict = {**B, "run": {"id": "run-b"}}
    with pytest.raises(MergeError, match=r"^run run-b lacks argv, finished, started, versions: not a whole report"):
        merge([A, partial], [])  # type: ignore[list-item]  # a report.json without its run's fields


def test_versions_agreed_are_one_and_differing_are_named_per_shard() -> None:
    a = shard("run-a", "2026-01-01T10:00:00+00:00", [result("ping::a", "passed")], engine="27.1", nginx="1.22")
    b = shard("run-b", "2026-01-01T10:01:00+00:00", [result("ping::b", "passed")], engine="28.0")
    c = shard("run-c", "2026-01-01T10:02:00+00:00", [result("ping::c", "passed")], engine="27.1")
    doc, notes = merge([a, b, c], [])
    assert doc["run"]["versions"] == {
        "suite": "0.1.0",
        "engine": "27.1 (run run-a, run run-c); 28.0 (run run-b)",
        "nginx": "1.22",
    }
    assert notes == ["versions differ between shards: engine (each shard's: report.json's shards)"]
    assert [s["versions"].get("engine") for s in doc["shards"]] == ["27.1", "28.0", "27.1"]


def test_a_comparison_and_unknown_keys_are_dropped_with_a_note() -> None:
    compared: dict = {**B, "comparison": {"baseline": {"id": "run-0", "suite": "0.1.0"}}, "faults": []}
    doc, notes = merge([A, compared], [])  # type: ignore[list-item]  # a report with keys the merge drops
    assert "comparison" not in doc and "faults" not in doc
    assert notes == [
        "run run-b's comparison with run-0 dropped: it compared that shard, not the merge",
        "run run-b's 'faults' dropped",
    ]


def test_a_stack_in_two_shards_keeps_the_earliest_entry() -> None:
    """A matrix sharded by capability: one stack in both; its endpoint's port differs per run."""
    ping = shard("run-a", "2026-01-01T10:00:00+00:00", [result("ping::x", "passed")])
    catalog = shard("run-b", "2026-01-01T10:01:00+00:00", [result("catalog::x", "passed")])
    ping["stacks"] = [{"id": PLAIN, "endpoint": "http://127.0.0.1:1"}]
    catalog["stacks"] = [{"id": PLAIN, "endpoint": "http://127.0.0.1:2", "detected": {"kind": "refregistry"}}]
    doc = merge([catalog, ping], []).report
    assert doc["stacks"] == [{"id": PLAIN, "endpoint": "http://127.0.0.1:1", "detected": {"kind": "refregistry"}}]


def test_regconf_merge_writes_the_three_files_and_exits_1_on_a_failing_check(tmp_path: Path) -> None:
    """Inputs: report.json files or run directories; exit status as the unsharded run's: 1 when a check failed."""
    (tmp_path / "b").mkdir()
    write(tmp_path / "b" / "report.json", B)
    done = regconf("merge", write(tmp_path / "a.json", A), tmp_path / "b", "-o", tmp_path / "out")
    assert done.returncode == 1, done.stderr
    merged = merge([A, B], []).report["run"]["id"]
    assert done.stdout == f"{tmp_path / 'out' / 'report.html'}: run {merged}, 2 shards (2 passed, 1 failed)\n"
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert doc["run"]["argv"][:2] == ["regconf", "merge"] and len(doc["shards"]) == 2
    assert 'tests="3" failures="1"' in (tmp_path / "out" / "junit.xml").read_text()
    assert f"Registry Conformance {doc['run']['id']}: FAIL</title>" in (tmp_path / "out" / "report.html").read_text()
    assert regconf("merge", tmp_path / "b", write(tmp_path / "c.json", C), "-o", tmp_path / "ok").returncode == 0


def test_regconf_merge_exits_2_in_one_line_when_it_cannot_merge(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", A)
    unreadable = regconf("merge", a, tmp_path / "nowhere.json", "-o", tmp_path / "out")
    assert unreadable.returncode == 2 and unreadable.stderr.count("\n") == 1
    assert unreadable.stderr.startswith(f"regconf merge: {tmp_path / 'nowhere.json'}: cannot read it (")
    twice = shard("run-a2", "2026-01-01T12:00:00+00:00", A["results"])
    collision = regconf("merge", a, write(tmp_path / "a2.json", twice), "-o", tmp_path / "out")
    assert collision.returncode == 2 and collision.stderr.count("\n") == 1
    assert (
        collision.stderr.startswith("regconf merge: check conformance/test_ping.py::ok[")
        and "run-a2" in collision.stderr
    )
    assert not (tmp_path / "out").exists()
    assert regconf("merge", a).returncode == 2  # no -o: argparse's usage error


CHECKS = """
import os
import pytest
pytestmark = pytest.mark.capability("ping")

@pytest.mark.parametrize("stack", [os.environ["SHARD"]])
def test_steady(stack):
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_checks=CHECKS)
    return pytester


def run_shard(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str, *args: str) -> pytest.RunResult:
    monkeypatch.setenv("SHARD", name)
    return suite.runpytest_subprocess("-p", "fixtures.plugin", "--report-dir", name, *args)


def test_merge_option_folds_earlier_shards_into_this_runs_report(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_shard(suite, monkeypatch, "one").ret == 0
    first = (suite.path / "one" / "latest").resolve()
    result = run_shard(suite, monkeypatch, "two", "--merge", str(first))
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"*--merge: merged with run {first.name}"])
    doc = json.loads((suite.path / "two" / "latest" / "report.json").read_text())
    assert nodeids(doc) == ["test_checks.py::test_steady[one]", "test_checks.py::test_steady[two]"]
    assert doc["run"]["id"] == (suite.path / "two" / "latest").resolve().name
    assert [s["id"] for s in doc["shards"]] == [first.name, doc["run"]["id"]]


def test_merge_option_stops_on_an_unreadable_report_and_refuses_a_check_run_twice(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit status 4 both times: before the run for a path, after it for a check this run ran too."""
    unreadable = run_shard(suite, monkeypatch, "one", "--merge", "nowhere.json")
    assert unreadable.ret == pytest.ExitCode.USAGE_ERROR
    assert unreadable.stderr.lines[0].startswith("ERROR: --merge: nowhere.json: cannot read it (")
    assert run_shard(suite, monkeypatch, "one").ret == 0
    again = run_shard(suite, monkeypatch, "one", "--merge", str(suite.path / "one" / "latest"))
    assert again.ret == pytest.ExitCode.USAGE_ERROR
    again.stdout.fnmatch_lines(
        ["*--merge: check test_checks.py::test_steady?one? is in run * the report is this run's alone"]
    )
    assert "shards" not in json.loads((suite.path / "one" / "latest" / "report.json").read_text())


STACKS = ("direct-repopath-plain", "direct-repopath-tls", "distribution-direct-repopath-plain")


@pytest.mark.engine
def test_three_shards_merged_equal_the_unsharded_run(tmp_path: Path) -> None:
    """The acceptance: one stack per shard, merged, is the run of all three in counts and in every check's outcome."""

    def conformance(name: str, stacks: str) -> Report:
        argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
        argv += ["--stacks", stacks, "--capabilities", "ping,catalog", "--report-dir", str(tmp_path / name)]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, done.stdout[-2000:]
        return json.loads((tmp_path / name / "latest" / "report.json").read_text())

    shards = [conformance(stack, stack) for stack in STACKS]
    whole = conformance("whole", ",".join(STACKS))
    done = regconf("merge", *(tmp_path / stack / "latest" for stack in STACKS), "-o", tmp_path / "merged")
    assert done.returncode == 0, done.stderr
    merged = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert merged["summary"] == whole["summary"]
    assert {(r["nodeid"], r["outcome"]) for r in merged["results"]} == {
        (r["nodeid"], r["outcome"]) for r in whole["results"]
    }
    assert [s["id"] for s in merged["stacks"]] == [s["id"] for s in whole["stacks"]]
    assert sorted(s["id"] for s in merged["shards"]) == sorted(s["run"]["id"] for s in shards)
    assert sum(len(s["results"]) for s in shards) == len(whole["results"])

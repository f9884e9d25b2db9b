"""Comparing two runs' report.json: the categories, renames, the timing rule, the Markdown and report.html.

Inputs are crafted report.json documents (tests/crafted_reports.py); the console script, --baseline
and two real runs are tests/test_compare_runs.py.  No test asserts how long anything takes.
"""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.report.compare import check_id, compare
from fixtures.report.files import render_html
from fixtures.report.markdown import markdown
from fixtures.report.outcomes import Comparison
from tests.crafted_reports import AFTER, BEFORE, PLAIN, TLS, report, result


def rows(comparison: Comparison, category: str) -> list[tuple[str, str, Any, Any]]:
    entries = comparison[category]  # type: ignore[literal-required]  # the category under test, by name
    return [(e["check"].split("::")[1], e["stack"], e["before"], e["after"]) for e in entries]


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


def test_report_html_shows_every_part_of_a_comparison() -> None:
    """The section lists each category, the timing rule, renames and what was not compared."""
    before = report("run-1", [*BEFORE["results"], result("ping::slow", "passed", duration=1.0)])
    after = report("run-2", [*AFTER["results"], result("ping::slow", "passed", duration=5.0)])
    doc = after | {
        "comparison": compare(before, after, {"conformance/test_ping.py::leaves": "conformance/test_ping.py::x"})
    }
    page = render_html(doc, {})
    assert "<h2>Compared with run-1</h2>" in page and "<b>4 regressions against run run-1: " in page
    for title in ("Regressed (4)", "Fixed (2)", "Changed (3)", "Appeared (1)", "Disappeared (1)", "Timing (1)"):
        assert f"<h3>{title}</h3>" in page
    assert "1.00 s</td><td>5.00 s</td><td>5.0× slower" in page
    assert "conformance/test_ping.py::leaves → conformance/test_ping.py::x" in page
    assert f"stack {TLS} not run (1)" in page

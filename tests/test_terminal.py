"""What a conformance run prints: progress letters and the closing block (fixtures/report/terminal.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixtures.report.outcomes import Outcome, Report, Result
from fixtures.report.terminal import MOST, TABLE_WIDTH, WIDE, family, summary
from tests.crafted_reports import report, result
from tests.test_report import CHECKS, CONFTEST

pytest_plugins = ["pytester"]


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """test_report's eight checks, one of each outcome, under pyproject's own addopts (-ra)."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_checks=CHECKS)
    pytester.makeini("[pytest]\npython_files = test_*.py\naddopts = -ra --strict-markers\n")
    return pytester


def block(output: list[str]) -> list[str]:
    """The closing block: from its separator line to pytest's counts line, both excluded."""
    start = next(i for i, line in enumerate(output) if "registry conformance" in line and line.startswith("="))
    return output[start + 1 : -1]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_letters_and_the_closing_block_say_what_the_report_says(suite: pytest.Pytester, workers: list[str]) -> None:
    result = suite.runpytest_subprocess("-p", "fixtures.plugin", *workers)
    doc = json.loads((suite.path / "reports" / "latest" / "report.json").read_text())
    out = result.outlines
    progress = "".join(line.split()[-2] if workers else line.split()[1] for line in out if line.endswith("[100%]"))
    assert sorted(progress) == sorted(".FEsEUD."), progress
    lines = block(out)
    assert lines[0] == (
        "FAILED: 3 of 8 checks on 2 stacks failed or errored "
        "(2 passed, 1 failed, 2 error, 1 skipped, 1 unsupported, 1 deviation)"
    )
    assert doc["summary"] == {"passed": 2, "failed": 1, "error": 2, "skipped": 1, "unsupported": 1, "deviation": 1}
    # One line per failure or error, with the check, its stack and the reason; secrets scrubbed.
    assert "F test_checks.py::test_b_fails nginx-subdomain-tls: registry answered 500 for ***" in lines
    assert "E test_checks.py::test_a_errors direct-repopath-plain: RuntimeError: harness broke" in lines
    assert "      1  tags/list leaks the backend name (seen here)" in lines
    latest = (suite.path / "reports" / "latest").resolve().relative_to(suite.path)
    assert f"report.html  reports/{latest.name}/report.html" in lines
    assert all(len(line) <= WIDE for line in lines)
    # The block replaces pytest's short summary (-ra from the ini); the last line counts in the report's words.
    assert "short test summary info" not in result.stdout.str()
    assert re.search(r"1 failed, 2 passed, 1 skipped, 2 errors, 1 unsupported, 1 deviation in [\d.]+s", out[-1])
    assert result.ret == 1


def test_the_short_summary_is_back_when_asked_for(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "fixtures.plugin", "-rf")
    result.stdout.fnmatch_lines(["*short test summary info*", "FAILED test_checks.py::test_b_fails - *"])


def test_project_tests_keep_pytests_own_summary(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    pytester.makepyfile(test_unit="import pytest\n\ndef test_x():\n    pytest.skip('not here')\n")
    result = pytester.runpytest_subprocess("-p", "fixtures.plugin", "-ra")
    result.stdout.fnmatch_lines(["*short test summary info*", "SKIPPED [[]1[]] test_unit.py:4: not here"])
    assert "registry conformance" not in result.stdout.str()


STACKS = [
    f"{r}{p}-{m}-tls"
    for r in ("", "distribution-")
    for p in ("direct", "nginx", "apache", "haproxy")
    for m in ("repopath", "ports", "subdomain")
]


def full_run() -> Report:
    """A crafted run of 24 stacks × 17 capabilities with long reasons and many failures."""
    capabilities = ["ping", "login", "push_pull", "oci_pull", "oci_push", "oci_discovery", "oci_management",
                    "multiarch", "properties", "catalog", "promotion", "retention", "deletion", "virtual",
                    "remote", "content_trust", "tls"]  # fmt: skip
    results: list[Result] = []
    for stack in STACKS:
        for capability in capabilities:
            results.append(result(f"{capability}::passes", "passed", stack=stack))
            long = "x" * 400
            if stack.startswith("distribution"):
                results.append(result(f"{capability}::not_there", "unsupported", stack=stack, message=f"no API {long}"))
                observed = f"documented departure {capability} | observed: {stack} {long}"
                results.append(result(f"{capability}::departs", "deviation", stack=stack, message=observed))
            if capability == "tls":
                reason = f"PUT https://{stack}/v2/x: expected 201, got 500. And then more {long}"
                results.append(result(f"{capability}::breaks", "failed", stack=stack, message=reason))
    doc = report("run-1", results)
    doc["summary"] = {o.value: sum(1 for r in results if r["outcome"] == o) for o in Outcome}
    return doc


def test_the_block_of_a_big_run_stays_short_and_narrow() -> None:
    lines = summary(full_run(), Path("reports/run-1"))
    assert max(len(line) for line in lines) <= WIDE
    table = lines[lines.index("") + 1 : lines.index("", 2)]
    assert len(table) == 2 + 17 + 1 and all(len(line) <= TABLE_WIDTH for line in table[:-1])
    assert table[0].split() == ["refregistry", "distribution"]
    assert table[1].split() == ["apache", "direct", "haproxy", "nginx"] * 2
    rows = {row.split()[0]: row.split()[1:] for row in table[2:-1]}
    assert rows["tls"] == ["F3"] * 8 and rows["ping"] == ["."] * 4 + ["D3"] * 4
    # 24 failures: the first MOST, one sentence each, then how many more.
    failures = [line for line in lines if line.startswith("F ")]
    assert len(failures) == MOST
    assert (
        failures[0]
        == "F test_tls.py::breaks apache-ports-tls: PUT https://apache-ports-tls/v2/x: expected 201, got 500"
    )
    assert "  ... 4 more failures and errors in report.html (all of them with -v)" in lines
    # Deviations by their documented departure, not by this run's evidence: one line per capability.
    assert "204 deviation (D), by reason:" in lines and "     12  documented departure catalog" in lines
    assert lines[-3:] == [f"{name:<12} reports/run-1/{name}" for name in ("report.html", "report.json", "junit.xml")]


def test_verbose_shows_all_of_it() -> None:
    lines = summary(full_run(), Path("reports/run-1"), verbose=True)
    assert len([line for line in lines if line.startswith("F ")]) == 24
    assert any(line.endswith("And then more " + "x" * 400) for line in lines)


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("direct-repopath-plain", ("refregistry", "direct")),
        ("distribution-nginx-ports-tls", ("distribution", "nginx")),
        ("ha-haproxy-repopath-tls", ("ha", "haproxy")),
        ("live", ("live", "")),
    ],
)
def test_a_stacks_family_is_its_registry_and_proxy(stack: str, expected: tuple[str, str]) -> None:
    assert family(stack) == expected


def test_a_registry_with_one_column_keeps_its_name() -> None:
    """One stack per registry: the column widens to the registry's name, not cut to 'distrib'."""
    results = [result("ping::a", "passed", stack="direct-repopath-plain")]
    results += [result("ping::a", "deviation", stack="distribution-direct-repopath-plain")]
    lines = summary(report("run-1", results) | {"summary": {"passed": 1, "deviation": 1}}, Path("r"))
    assert lines[2].split() == ["refregistry", "distribution"]
    assert lines[4].split() == ["ping", ".", "D1"]

"""report.html read as a person reads it: opened in headless Chromium, screenshotted, its DOM asserted on.

The page is rendered from a crafted report.json the size of a full run (22 stacks, every
capability) with each outcome in it.  A script appended to a copy of the page measures it in the
browser and writes what it found into the DOM, which ``--dump-dom`` prints: the page itself
carries no test code.  Chromium only ever opens that local file.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fixtures.report.features import CAPABILITIES, feature
from fixtures.report.files import render_html
from fixtures.report.outcomes import Outcome, Report, Result, StackEntry
from fixtures.report.page import groups, span

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: `make setup` (scripts/setup-host.sh) installs it"
)

ROOT = Path(__file__).resolve().parent.parent
NO_ARTIFACTORY = "an Artifactory API, and the target is a plain OCI registry (GET /artifactory/api/system/version: 404)"
DEPARTURE = "CNCF distribution 2.8 ignores n on tags/list; the spec says at most n tags"
FAILING = ("ping", 0, "nginx-subdomain-tls")
EXCHANGE = "> GET https://nginx-subdomain-tls.art.local/v2/ HTTP/1.1\n< HTTP/1.1 500 Internal Server Error"


def stacks() -> list[StackEntry]:
    """The 22 stacks of a full run, in report.json's (alphabetical) order."""
    shapes = [("direct", "repopath", False), ("direct", "repopath", True)] + [
        (proxy, method, True)
        for proxy in ("nginx", "apache", "haproxy")
        for method in ("ports", "repopath", "subdomain")
    ]
    found: list[StackEntry] = []
    for registry, prefix in (("refregistry", ""), ("distribution", "distribution-")):
        for proxy, method, tls in shapes:
            name = f"{prefix}{proxy}-{method}-{'tls' if tls else 'plain'}"
            found.append(
                {"id": name, "registry": registry, "proxy": proxy, "method": method, "tls": tls, "endpoint": name}
            )
    return sorted(found, key=lambda s: s["id"])


def outcome_of(cap: str, n: int, stack: str) -> tuple[Outcome, str]:
    distribution = stack.startswith("distribution-")
    if (cap, n, stack) == FAILING:
        return Outcome.FAILED, "GET /v2/: expected 401, got 500"
    if (cap, n, stack) == ("login", 1, "apache-ports-tls"):
        return Outcome.ERROR, "RuntimeError: harness broke"
    if cap == "catalog" and n == 1 and distribution:
        return Outcome.DEVIATION, f"{DEPARTURE} | observed: 3 tags for n=2 on {stack}"
    if cap in ("promotion", "retention", "properties") and distribution:
        return Outcome.UNSUPPORTED, NO_ARTIFACTORY
    if cap == "tls" and n == 2 and stack.endswith("-plain"):
        return Outcome.SKIPPED, "a plain-HTTP registry has no certificate"
    return Outcome.PASSED, ""


def crafted() -> Report:
    results: list[Result] = []
    for cap in sorted(CAPABILITIES):
        for s in stacks():
            for n in range(3):
                outcome, message = outcome_of(cap, n, s["id"])
                nodeid = f"conformance/test_{cap}.py::test_{cap}_{n}[{s['id']}]"
                result: Result = {
                    "nodeid": nodeid,
                    "stack": s["id"],
                    "capability": cap,
                    "outcome": outcome,
                    "duration": 0.1,
                    "message": message,
                }
                results.append(result)
    summary = Counter(r["outcome"].value for r in results)
    return {
        "run": {"id": "20261203T174942Z-html", "started": "", "finished": "", "argv": [], "versions": {"suite": "0.1"}},
        "stacks": stacks(),
        "results": results,
        "summary": {o.value: summary[o.value] for o in Outcome},
    }


# Appended to a copy of the page: what the browser shows, measured (the script says what).
SELFTEST = f"<script>{(Path(__file__).parent / 'report_selftest.js').read_text()}</script>"


def chromium(page: Path, width: int, *args: str) -> str:
    """Run headless Chromium on the local ``page`` at ``width`` px; what it printed."""
    assert CHROMIUM is not None
    profile = page.parent / f"profile-{width}"
    command = [
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={profile}",
        f"--window-size={width},900",
        "--virtual-time-budget=5000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    doc = crafted()
    exchanges = {r["nodeid"]: EXCHANGE for r in doc["results"] if r["outcome"] == Outcome.FAILED}
    page = tmp_path_factory.mktemp("html") / "report.html"
    page.write_text(render_html(doc, exchanges))
    return doc, page


def measured(page: Path, width: int) -> dict[str, Any]:
    """What the self-test script found in ``page`` at ``width`` px."""
    probe = page.with_name(f"selftest-{width}.html")
    probe.write_text(page.read_text().replace("</body>", SELFTEST + "</body>"))
    found = re.search(r'<pre id="selftest">(.*?)</pre>', chromium(probe, width, "--dump-dom"), re.S)
    assert found, "the self-test script wrote nothing: did the page's own script fail?"
    found_json: dict[str, Any] = json.loads(html.unescape(found[1]))
    return found_json


@needs_chromium
@pytest.mark.parametrize("width", [1366, 1920])
def test_the_report_reads_in_chromium(report: tuple[Report, Path], width: int) -> None:
    """The matrix, the legend and the counts are report.json's; a cell link lands on its results; no
    horizontal scrolling; a screenshot is taken."""
    doc, page = report
    shot = page.with_name(f"report-{width}.png")
    chromium(page, width, f"--screenshot={shot}", "--hide-scrollbars")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", shot.read_bytes()[16:20])[0] == width
    seen = measured(page, width)
    assert seen["scrollWidth"] <= seen["clientWidth"], f"{seen['scrollWidth']} px wide at {width} px: scrolls sideways"
    assert seen["legend"] == doc["summary"]
    letters = {o.value[0]: o.value for o in Outcome}
    shown = {letters[c]: n for c, n in seen["grid"].items() if c != "n"}
    assert shown == {o: n for o, n in doc["summary"].items() if n}
    assert seen["total"] == len(doc["results"])
    assert seen["rows"][:2] == ["direct-repopath-plain", "direct-repopath-tls"]
    assert seen["rows"][11] == "distribution-direct-repopath-plain", "distribution stacks come after refregistry's"
    assert seen["columns"] == sorted(CAPABILITIES)
    assert seen["shownFailed"] == ["f1"]
    cap, _, stack = FAILING
    assert seen["href"] == f"#r-{stack}-{cap}"
    assert seen["target"]["id"] == f"r-{stack}-{cap}" and seen["target"]["capability"] == cap
    assert 0 <= seen["target"]["top"] < seen["target"]["height"], "the link did not scroll its results into view"
    expected = Counter(r["outcome"].value for r in doc["results"] if (r["stack"], r["capability"]) == (stack, cap))
    assert Counter(letters[c] for c in seen["column"]) == expected


def test_a_reason_shared_by_many_results_is_stated_once() -> None:
    """418 identical reasons are one group; a deviation groups by its departure, not by what was observed."""
    doc = crafted()
    found = groups(doc["results"])
    (unsupported,) = found[Outcome.UNSUPPORTED]
    assert len(unsupported.results) == 3 * 3 * 11 and unsupported.reason == NO_ARTIFACTORY
    (deviation,) = found[Outcome.DEVIATION]
    assert deviation.reason == DEPARTURE and len(deviation.stacks) == 11
    assert [g.anchor for g in found[Outcome.FAILED]] == ["f1"]
    page = render_html(doc, {})
    assert page.count(NO_ARTIFACTORY) == 1 and page.count(DEPARTURE) == 1
    assert span(deviation.stacks, stacks()) == "all 11 distribution stacks"


def test_every_capability_links_to_its_documented_feature() -> None:
    """Every conformance module's capability has a documentation section; a check may have its own."""
    modules = {p.stem.removeprefix("test_") for p in (ROOT / "conformance").glob("test_*.py")}
    assert modules <= set(CAPABILITIES), f"no documented feature for {modules - set(CAPABILITIES)}"
    assert all(f.url.startswith("https://") and f.section for f in CAPABILITIES.values())
    delete = "conformance/test_deletion.py::test_multiarch_delete_removes_the_list_and_its_architectures"
    own = feature("deletion", delete)
    assert own is not None and own.section.startswith("Delete Multi-Architecture Docker Tags")
    assert own.url.endswith("/delete-multi-architecture-docker-tags")

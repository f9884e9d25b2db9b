"""The run report: outcomes in CONVENTIONS' vocabulary, the three files, latest, secrets, xdist."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from fixtures.clients.httplog import HttpLog, redact
from fixtures.report.outcomes import without_group
from tests.conftest import serving

pytest_plugins = ["pytester"]

SECRET = "s3cret-Pw-xyz"

CONFTEST = f"""
import pytest
from fixtures.report import collect

def pytest_configure(config):
    collect.register_secret(config, "{SECRET}")

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        stack = "nginx-subdomain-tls" if "b" in item.name else "direct-repopath-plain"
        item.user_properties.append(("stack", stack))
        item.add_marker(pytest.mark.xdist_group(stack))  # as the plugin groups a stack's checks: "@<stack>" under -n
"""

CHECKS = f"""
import pytest
from fixtures.clients.guard import WriteRefused
from fixtures.report.deviations import Deviation, expect
from fixtures.report.outcomes import unsupported
pytestmark = pytest.mark.capability("ping")

@pytest.fixture
def broken():
    raise RuntimeError("harness broke")

def test_a_passes():
    pass

def test_b_fails():
    assert 1 == 2, "registry answered 500 for {SECRET}"

def test_a_errors(broken):
    pass

def test_a_skipped():
    pytest.skip("turned off by --capabilities")

def test_a_writes_in_a_read_only_run():
    raise WriteRefused("--read-only: PUT https://r/v2/x/manifests/1 refused before it was sent")

def test_b_unsupported():
    unsupported("no referrers API (404 on /v2/x/referrers/sha256:...)")

@pytest.fixture
def documented(request):
    expect(request.node, Deviation("p", "c", "tags/list leaks the backend name", "seen here"))

def test_b_deviation(documented):
    assert False

@pytest.mark.capability("login")
def test_b_login_passes():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_checks=CHECKS)
    pytester.makeini("[pytest]\npython_files = test_*.py\n")
    return pytester


def run(suite: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    result = suite.runpytest_subprocess("-p", "fixtures.plugin", "--password", SECRET, *args)
    latest = suite.path / "reports" / "latest"
    return result, json.loads((latest / "report.json").read_text())


@pytest.fixture(autouse=True)
def _password_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))


def outcomes(doc: dict) -> dict[str, str]:
    return {r["nodeid"].split("::")[1]: r["outcome"] for r in doc["results"]}


EXPECTED = {
    "test_a_passes": "passed",
    "test_b_fails": "failed",
    "test_a_errors": "error",
    "test_a_skipped": "skipped",
    "test_a_writes_in_a_read_only_run": "error",
    "test_b_unsupported": "unsupported",
    "test_b_deviation": "deviation",
    "test_b_login_passes": "passed",
}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_report_json_records_every_outcome(suite: pytest.Pytester, workers: list[str]) -> None:
    """Each check is one record with stack, capability, outcome and a one-line message; serial or -n 2."""
    result, doc = run(suite, *workers)
    assert result.ret == 1
    assert outcomes(doc) == EXPECTED
    assert doc["summary"] == {"passed": 2, "failed": 1, "error": 2, "skipped": 1, "unsupported": 1, "deviation": 1}
    by_name = {r["nodeid"].split("::")[1]: r for r in doc["results"]}
    assert by_name["test_b_login_passes"]["capability"] == "login"
    assert by_name["test_b_fails"]["stack"] == "nginx-subdomain-tls"
    assert by_name["test_a_errors"]["message"] == "RuntimeError: harness broke"
    assert by_name["test_b_unsupported"]["message"].startswith("no referrers API")
    # A check that writes in a read-only run is the harness's error, whatever the target did.
    assert by_name["test_a_writes_in_a_read_only_run"]["message"].startswith("--read-only: PUT https://r/v2/x")
    assert set(doc["run"]) == {"id", "started", "finished", "argv", "versions"}


def test_junit_and_html_agree_with_the_json(suite: pytest.Pytester) -> None:
    """junit.xml counts failures and errors; report.html shows the matrix and each failure."""
    run(suite)
    latest = suite.path / "reports" / "latest"
    junit = ET.parse(latest / "junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == ("8", "1", "2")
    page = (latest / "report.html").read_text()
    assert '<tr data-stack="nginx-subdomain-tls">' in page and 'data-capability="login"' in page
    assert "test_b_fails" in page


def test_junit_tells_unsupported_and_deviation_from_a_skip(suite: pytest.Pytester) -> None:
    """Under xdist: failures and errors as such; unsupported and deviation skips whose message and
    property name the outcome; names as pytest gave them (no xdist "@group"); the summary as properties."""
    _, doc = run(suite, "-n", "2")
    junit = ET.parse(suite.path / "reports" / "latest" / "junit.xml").getroot()
    assert {p.get("name"): p.get("value") for p in junit[0]} == {o: str(n) for o, n in doc["summary"].items()}
    cases = {str(case.get("name")): case for case in junit.iter("testcase")}
    assert set(cases) == set(EXPECTED)
    tags = {"passed": [], "failed": ["failure"], "error": ["error"]}
    for name, outcome in EXPECTED.items():
        props = {p.get("name"): p.get("value") for p in cases[name].iter("property")}
        assert props["outcome"] == outcome, name
        found = [child.tag for child in cases[name] if child.tag != "properties"]
        assert found == tags.get(outcome, ["skipped"]), name
        if found == ["skipped"]:
            assert str(cases[name][1].get("message")).startswith(f"{outcome}: "), name
    assert str(cases["test_b_fails"][1].text).startswith("registry answered 500 for ***")


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("f.py::t[a]@g", "f.py::t[a]"),
        ("f.py::t@g", "f.py::t"),
        ("f.py::t[user@host]", "f.py::t[user@host]"),
        ("f.py::t[user@host]@g", "f.py::t[user@host]"),
        ("d@x/f.py::t", "d@x/f.py::t"),
    ],
)
def test_xdist_group_suffix_is_dropped_and_nothing_else(nodeid: str, expected: str) -> None:
    assert without_group(nodeid) == expected


def test_a_password_that_is_a_word_leaves_check_names_alone(suite: pytest.Pytester) -> None:
    """With --password password, check names keep the word (CI keeps a test's history by its name);
    the failure message that quotes the password loses it."""
    suite.makepyfile(
        test_words="""
import pytest
pytestmark = pytest.mark.capability("login")

def test_wrong_password_is_refused():
    assert False, "the realm was sent password"
"""
    )
    suite.runpytest_subprocess("-p", "fixtures.plugin", "--password", "password", "test_words.py")
    latest = suite.path / "reports" / "latest"
    (result,) = json.loads((latest / "report.json").read_text())["results"]
    assert result["nodeid"] == "test_words.py::test_wrong_password_is_refused"
    assert result["message"] == "the realm was sent ***"
    names = [case.get("name") for case in ET.parse(latest / "junit.xml").getroot().iter("testcase")]
    assert names == ["test_wrong_password_is_refused"]
    assert "test_wrong_password_is_refused" in (latest / "report.html").read_text()


def test_a_conditional_deviation_that_did_not_show_is_noted(suite: pytest.Pytester) -> None:
    """A deviation that shows only under some conditions (not strict) and passed this run is a pass with
    its own note, not a plain pass, on the terminal too; a strict one that passes fails the run."""
    suite.makepyfile(
        test_conditional="""
import pytest
from fixtures.report.deviations import Deviation, expect
pytestmark = pytest.mark.capability("ping")

@pytest.fixture
def sometimes(request):
    expect(request.node, Deviation("p", "c", "answers 502 behind Apache", "seen here", always=False))

@pytest.fixture
def always(request):
    expect(request.node, Deviation("p", "c", "answers 500", "seen here"))

def test_not_shown(sometimes):
    pass

def test_strict_passes(always):
    pass
"""
    )
    terminal = suite.runpytest_subprocess("-p", "fixtures.plugin", "test_conditional.py")
    assert re.search(r"=+ 1 failed, 1 passed in", terminal.outlines[-1]), terminal.outlines[-1]
    results = json.loads((suite.path / "reports" / "latest" / "report.json").read_text())["results"]
    by_name = {r["nodeid"].split("::")[1]: r for r in results}
    assert by_name["test_not_shown"]["outcome"] == "passed"
    assert by_name["test_not_shown"]["note"] == "deviation not observed: answers 502 behind Apache (seen here)"
    assert by_name["test_strict_passes"]["outcome"] == "failed"


def test_no_secret_reaches_any_file(suite: pytest.Pytester) -> None:
    """A password from the command line and from a failure message is scrubbed everywhere."""
    run(suite)
    for path in (suite.path / "reports").rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(), path.name
    assert "--password" in (suite.path / "reports" / "latest" / "report.json").read_text()


def test_unit_tests_write_no_report(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session without capability-marked tests is not a conformance run."""
    pytester.makepyfile(test_unit="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "fixtures.plugin")
    assert result.ret == 0
    assert not (pytester.path / "reports").exists()


class Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # http.server's naming
        body = b'{"token": "abc.def.ghi", "expires_in": 300}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=secret-cookie")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    with serving(Echo) as url:
        yield url


def test_http_log_records_exchanges_with_secrets_redacted(echo: str) -> None:
    """Requests and answers are shown like curl -v; credentials, tokens and cookies are not."""
    session = requests.Session()
    log = HttpLog()
    log.attach(session)
    session.get(f"{echo}/v2/token?scope=x&password=hunter2", auth=("admin", "hunter2"))
    text = log.render()
    assert "> GET http://127.0.0.1:" in text and "< 200 OK" in text
    assert "hunter2" not in text and "abc.def.ghi" not in text and "secret-cookie" not in text
    assert '"token": "***"' in text and "Authorization: ***" in text


def test_redact_hides_url_credentials() -> None:
    """user:password@ in a URL is hidden."""
    assert redact("https://admin:pw@art.local/v2/") == "https://***:***@art.local/v2/"


def test_a_deviation_keeps_its_http_exchange_for_report_html(suite: pytest.Pytester) -> None:
    """As a failure's, a deviation's exchanges reach report.html: it shows what the departure looked like."""
    suite.makepyfile(
        test_exchange="""
import pytest
import requests
from fixtures.report.collect import LOGS, attach_http_log
from fixtures.report.deviations import Deviation, expect
pytestmark = pytest.mark.capability("catalog")

def test_b_lists_tags_unsorted(request):
    expect(request.node, Deviation("p", "c", "lists tags in storage order", "seen here"))
    session = requests.Session()
    attach_http_log(request.node, session)
    request.node.stash[LOGS][0].exchanges.append("> GET http://r/v2/x/tags/list\\n< 200 OK")
    assert False, "storage order"
"""
    )
    suite.runpytest_subprocess("-p", "fixtures.plugin", "test_exchange.py")
    page = (suite.path / "reports" / "latest" / "report.html").read_text()
    assert "lists tags in storage order" in page and "&gt; GET http://r/v2/x/tags/list" in page

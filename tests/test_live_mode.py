"""Live mode as a user runs it: ``pytest conformance --target URL ...`` against a registry started by hand.

The target is a refregistry process on 127.0.0.1 (the engine speaks plain HTTP to loopback),
so these runs need the Docker engine but no stack image.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from fixtures.clients.registry import RegistryClient
from fixtures.services.process import RefRegistryProcess
from fixtures.stacks.pki import RunCA
from tests.conftest import ADMIN, PERMISSIONS_CONFIG, StartServer
from tests.live_runs import folders, results, run_live, settings_of

pytestmark = pytest.mark.engine


@pytest.fixture
def live(start_server: StartServer) -> RefRegistryProcess:
    return start_server(PERMISSIONS_CONFIG)


# An admin password no check name contains: "password" itself is a word check names keep.
SECRET_ADMIN = ("admin", "Adm1n-s3cret-pw")


def test_live_run_passes_reports_and_cleans_up(start_server: StartServer, tmp_path: Path) -> None:
    """Every module passes against a healthy registry; the report names the live stack; no password is
    in any file; nothing is left."""
    users = {**PERMISSIONS_CONFIG["users"], "admin": {"password": SECRET_ADMIN[1], "admin": True}}
    live = start_server({**PERMISSIONS_CONFIG, "users": users})
    done = run_live(
        tmp_path,
        *("--target", live.url, "--method", "repopath", "--repo", "docker-local"),
        *("--username", SECRET_ADMIN[0], "--password", SECRET_ADMIN[1], "--reader", "reader:reader-pw"),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    assert {r["stack"] for r in report["results"]} == {"live"}
    assert report["summary"]["failed"] == report["summary"]["error"] == 0
    assert {"ping", "login", "push_pull"} <= {r["capability"] for r in report["results"]}
    for path in (tmp_path / "reports").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert SECRET_ADMIN[1] not in text and "reader-pw" not in text, f"password in {path.name}"
    catalog = RegistryClient(live.url, "/v2/", SECRET_ADMIN).request("GET", "/v2/_catalog").json()
    assert [r for r in catalog["repositories"] if "conformance-" in r] == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--target", "http://127.0.0.1:9"), "target http://127.0.0.1:9: nothing answers"),
        (("--password", "wrong"), "credentials of user 'admin' refused"),
        (("--method", "ports"), "is --method ports"),
        (
            ("--username", "deployer", "--password", "deployer-pw", "--repo", "docker-prod-local"),
            "user 'deployer' may not read in --repo docker-prod-local",
        ),
    ],
    ids=["nothing-listens", "wrong-password", "wrong-method", "no-read-permission"],
)
def test_broken_target_is_one_line_and_nonzero(
    live: RefRegistryProcess, tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    """An unreachable target, a refused password, a wrong method or a user who may not read: one clear
    line naming which, non-zero exit."""
    defaults = {"--target": live.url, "--method": "repopath", "--username": "admin", "--password": "password"}
    defaults.update(dict(zip(args[::2], args[1::2], strict=True)))
    done = run_live(tmp_path, *(x for pair in defaults.items() for x in pair))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert line in output, output[-2000:]
    assert "Traceback" not in output


def test_settings_change_only_when_allowed_and_are_restored(live: RefRegistryProcess, tmp_path: Path) -> None:
    """Retention checks on --repo: skipped with the reason by default; with --allow-config-changes they
    set Max Unique Tags 3 and Tag Retention 3 for each check, pass, and the settings are back after."""
    base: tuple[str, ...] = ("--target", live.url, "--repo", "docker-local", "--username", ADMIN[0])
    base += ("--password", ADMIN[1], "--capabilities", "retention")
    skipped = run_live(tmp_path / "default", *base, "-rs")
    assert skipped.returncode == 0, skipped.stdout[-3000:]
    assert "--retention-repo KEY or --allow-config-changes" in skipped.stdout
    allowed = run_live(tmp_path / "allowed", *base, "--allow-config-changes")
    assert allowed.returncode == 0, allowed.stdout[-3000:]
    report = json.loads((tmp_path / "allowed" / "reports" / "latest" / "report.json").read_text())
    assert report["summary"]["passed"] == len(report["results"]) >= 5
    settings = requests.get(f"{live.url}/artifactory/api/repositories/docker-local", auth=ADMIN, timeout=30).json()
    assert (settings["maxUniqueTags"], settings["dockerTagRetention"]) == (0, 1)


def test_a_challenge_without_scope_does_not_stop_the_run(start_server: StartServer, tmp_path: Path) -> None:
    """A registry whose challenges name no scope still works for clients that take the scope from their
    operation, as the engine does: the start-up probe lets the run go, pushes and pulls pass, and the one
    check of the challenge's scope fails."""
    live = start_server(PERMISSIONS_CONFIG, ("challenge-without-scope",))
    run_live(
        tmp_path,
        *("--target", live.url, "--repo", "docker-local", "--username", ADMIN[0], "--password", ADMIN[1]),
        *("--reader", "reader:reader-pw", "--capabilities", "login,push_pull"),
    )
    results = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())["results"]
    failing = {r["nodeid"].split("::")[1].split("[")[0] for r in results if r["outcome"] in ("failed", "error")}
    assert failing == {"test_token_endpoint_issues_scoped_tokens"}
    assert sum(r["outcome"] == "passed" for r in results) >= 8


def test_a_target_without_trash_can_makes_its_check_unsupported(start_server: StartServer, tmp_path: Path) -> None:
    """Where Artifactory's configuration says the trash can is off, restoring from it is unsupported with
    that evidence, never failed; the other retention checks still run and pass."""
    live = start_server({**PERMISSIONS_CONFIG, "trashcanEnabled": False})
    run_live(
        tmp_path,
        *("--target", live.url, "--repo", "docker-local", "--username", ADMIN[0], "--password", ADMIN[1]),
        *("--allow-config-changes", "--capabilities", "retention"),
    )
    results = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())["results"]
    outcomes = {r["nodeid"].split("::")[1].split("[")[0]: (r["outcome"], r["message"]) for r in results}
    assert outcomes.pop("test_evicted_tag_comes_back_from_the_trash_can") == (
        "unsupported",
        "the target's trash can is off (GET /artifactory/api/system/configuration: trashcanConfig enabled false)",
    )
    assert {outcome for outcome, _ in outcomes.values()} == {"passed"}


def test_error_pages_instead_of_errors_do_not_stop_the_run(start_server: StartServer, tmp_path: Path) -> None:
    """A target whose 404s are HTML pages (a proxy's error pages) but whose root takes uploads: the start-up
    probe says so in a note and lets the run go; the check of the spec's 404 error fails."""
    live = start_server(PERMISSIONS_CONFIG, ("error-pages-replace-404",))
    done = run_live(
        tmp_path,
        *("--target", live.url, "--repo", "docker-local", "--username", ADMIN[0], "--password", ADMIN[1]),
        *("--capabilities", "ping,oci_pull"),
    )
    assert "takes uploads: the method fits, the run goes on" in done.stdout, done.stdout[-2000:]
    outcome = results(tmp_path)["test_an_image_nobody_pushed_answers_404_with_a_spec_error_code"]["outcome"]
    assert outcome == "failed"


WRITING = {
    **PERMISSIONS_CONFIG,
    "localRepositories": {
        "docker-local": {},
        "docker-prod-local": {},
        "docker-retention-local": {"maxUniqueTags": 3, "dockerTagRetention": 3},
    },
}


def test_a_live_run_that_writes_everywhere_leaves_nothing_behind(start_server: StartServer, tmp_path: Path) -> None:
    """With every option that writes (--promote-to, --retention-repo, --allow-config-changes), no item of
    the run is left in any repository afterwards (promoted and renamed copies included) and every
    repository's settings are what they were."""
    live = start_server(WRITING)
    before = settings_of(live)
    done = run_live(
        tmp_path,
        *("--target", live.url, "--repo", "docker-local", "--username", ADMIN[0], "--password", ADMIN[1]),
        *("--promote-to", "docker-prod-local", "--retention-repo", "docker-retention-local"),
        *("--allow-config-changes", "--capabilities", "promotion,retention,deletion,push_pull,properties"),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    assert report["summary"]["passed"] >= 20, report["summary"]
    left = {key: folders(live, key) for key in before}
    assert left == {key: [] for key in before}, "items of the run remain"
    assert settings_of(live) == before


@pytest.fixture
def cncf_registry(tmp_path: Path) -> Iterator[str]:
    """The CNCF registry (Debian's docker-registry), started by hand on loopback as a new user would."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "config.yml"
    config.write_text(
        f"version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {tmp_path / 'data'}}}\n"
        f"  delete: {{enabled: true}}\nhttp: {{addr: '127.0.0.1:{port}'}}\n"
    )
    log = (tmp_path / "registry.log").open("w")
    server = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"{url}/v2/"):
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "registry.log").read_text()
            time.sleep(0.05)  # polling a condition, not waiting a fixed time
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_bare_cncf_registry_gives_a_readable_report(cncf_registry: str, tmp_path: Path) -> None:
    """Against a registry that is not Artifactory: Artifactory, auth and referrers checks are unsupported
    with the evidence, its known departures are deviations with what was observed, nothing fails or errors."""
    done = run_live(tmp_path, "--target", cncf_registry, "--method", "repopath", "--repo", "library")
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    summary = report["summary"]
    assert summary["error"] == summary["failed"] == 0, done.stdout[-3000:]
    assert summary["passed"] >= 40 and summary["unsupported"] >= 30 and summary["deviation"] >= 1, summary
    messages = {r["message"] for r in report["results"] if r["outcome"] == "unsupported"}
    assert any("plain OCI registry (GET /artifactory/api/system/version answered 404" in m for m in messages)
    assert any("asks for no authentication (GET /v2/ without credentials answered 200)" in m for m in messages)
    assert any("the target has no OCI referrers API (GET /v2/<name>/referrers/" in m for m in messages)
    for result in report["results"]:
        assert "\n" not in result["message"] and "Traceback" not in result["message"], result
        assert result["outcome"] != "deviation" or " | observed: " in result["message"], result


def test_live_certificate_report_names_what_needs_attention(tmp_path: Path) -> None:
    """A live TLS target whose certificate ends in 5 days: the expiry check fails saying when; the
    names and the chain it serves pass."""
    ca = RunCA(tmp_path / "ca")
    soon = datetime.now(UTC) + timedelta(days=5)
    tls = ca.issue(["localhost", "127.0.0.1"], tmp_path / "tls", not_after=soon)
    extra = ("--tls-cert", str(tls.cert_chain), "--tls-key", str(tls.key))
    with RefRegistryProcess(tmp_path / "data", config=None, extra=extra) as server:
        port = server.url.rsplit(":", 1)[1]
        done = run_live(
            tmp_path,
            *("--target", f"https://localhost:{port}", "--ca-bundle", str(ca.cert_path)),
            *("--username", ADMIN[0], "--password", ADMIN[1], "--capabilities", "tls"),
        )
    outcome = results(tmp_path)
    expiry = outcome["test_certificate_is_valid_for_weeks_ahead"]
    assert expiry["outcome"] == "failed", done.stdout[-2000:]
    assert f"the certificate of localhost:{port} expires {soon:%Y-%m-%d}" in expiry["message"]
    assert "days left; renew it before clients refuse it" in expiry["message"]
    for check in ("test_certificate_names_cover_every_name_in_use", "test_certificate_chain_is_complete"):
        assert outcome[check]["outcome"] == "passed", outcome[check]

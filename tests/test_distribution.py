"""No false failures on a registry nobody here wrote: the suite against the CNCF registry's stacks.

The whole conformance suite runs, as a user would, on distribution-* stacks (Debian's
docker-registry behind each proxy): every check passes, or is unsupported with the evidence
(Artifactory's APIs, authentication, referrers), or shows a documented deviation with what
this run observed.  Nothing fails, nothing errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.report.deviations import KNOWN

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parent.parent
# One stack per proxy, each under another method, and the TLS registry without a proxy: one item
# each, so xdist spreads them and no item runs long.
STACKS = (
    "distribution-direct-repopath-tls",
    "distribution-nginx-subdomain-tls",
    "distribution-apache-ports-tls",
    "distribution-haproxy-repopath-tls",
)


@pytest.mark.parametrize("stack", STACKS)
def test_cncf_registry_stacks_pass_or_say_why_not(tmp_path: Path, stack: str) -> None:
    """Every check passes, is unsupported with evidence, or is a documented deviation with evidence."""
    argv = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--no-header"]
    argv += ["--stacks", stack, "--report-dir", str(tmp_path)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    report = json.loads((tmp_path / "latest" / "report.json").read_text())
    bad = [f"{r['nodeid']}: {r['message']}" for r in report["results"] if r["outcome"] in ("failed", "error")]
    assert bad == [], "\n".join(bad) + f"\n{done.stdout[-2000:]}"
    assert done.returncode == 0, done.stdout[-2000:]
    assert {s["registry"] for s in report["stacks"]} == {"distribution"}
    by_capability: dict[str, set[str]] = {}
    for result in report["results"]:
        by_capability.setdefault(result["capability"], set()).add(result["outcome"])
        if result["outcome"] == "deviation":
            assert " | observed: " in result["message"], result
    for capability in ("promotion", "retention", "deletion", "virtual", "remote", "properties"):
        assert by_capability[capability] == {"unsupported"}, (capability, by_capability[capability])
    # oci_discovery has none: 2.8's tag listing is a deviation and its referrers API is absent.
    for capability in ("oci_pull", "oci_push", "oci_management", "push_pull", "multiarch", "catalog", "tls"):
        assert "passed" in by_capability[capability], capability
    assert by_capability["oci_discovery"] == {"deviation", "unsupported"}
    seen = {r["nodeid"].split("[")[0].split("/")[-1] for r in report["results"] if r["outcome"] == "deviation"}
    assert seen <= {d.check for d in KNOWN}

"""The fault catalogue proves itself: each fault breaks what it claims, and nothing else is needed.

Every fault has a probe: a short check of the promise the fault breaks.  Each probe must pass
against a clean refregistry and fail against one started with its fault.  The conformance
suite's own checks are mapped to faults by capability; these probes show the faults are real.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Importing a probes module registers its probes.
import tests.fault_probes_spec  # noqa: F401
from fixtures.stacks import STACK_FAULTS
from refregistry.faults import CATALOGUE
from tests.conftest import StartServer
from tests.fault_probes import CONFIGS, PROBES

CAPABILITIES = {
    "ping",
    "login",
    "push_pull",
    "oci_pull",
    "oci_push",
    "oci_discovery",
    "oci_management",
    "multiarch",
    "properties",
    "catalog",
    "promotion",
    "retention",
    "deletion",
    "virtual",
    "remote",
    "content_trust",
    "tls",
    "v1",
}


def test_every_fault_has_a_probe_and_names_real_capabilities() -> None:
    """Workflow: the catalogue and the probes list the same faults; checks are known capabilities."""
    assert set(PROBES) == {f.name for f in CATALOGUE if f.where == "refregistry"}
    assert {f.name for f in CATALOGUE if f.where == "stack"} == STACK_FAULTS, "the harness applies every stack fault"
    assert len(CATALOGUE) >= 8
    for fault in CATALOGUE:
        assert fault.summary and set(fault.checks) <= CAPABILITIES, fault


def test_faults_json_is_the_catalogue() -> None:
    """Workflow: `refregistry faults --json` prints the catalogue: name, summary, checks."""
    out = subprocess.run(
        [sys.executable, "-m", "refregistry", "faults", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert [f["name"] for f in json.loads(out)] == [f.name for f in CATALOGUE]


@pytest.mark.parametrize("fault", [f.name for f in CATALOGUE if f.where == "refregistry"])
def test_fault_breaks_exactly_what_its_probe_checks(start_server: StartServer, fault: str) -> None:
    """Workflow: the probe passes on a clean server and fails on one started with the fault."""
    PROBES[fault](start_server(CONFIGS[fault], name="clean"))
    with pytest.raises(AssertionError):
        PROBES[fault](start_server(CONFIGS[fault], faults=(fault,), name="faulty"))

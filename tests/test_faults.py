"""The fault catalogue proves itself: each fault breaks what it claims, and nothing else is needed.

Every fault has a probe: a short check of the promise the fault breaks.  Each probe must pass
against a clean refregistry and fail against the same one with its fault switched on.  The
conformance suite's own checks are mapped to faults by capability; these probes show the faults
are real.  One server per configuration serves every probe of a worker, emptied and switched
over the fault-control API before each (``serve --fault-control``), as the self-proof does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import yaml

# Importing a probes module registers its probes.
import tests.fault_probes_items
import tests.fault_probes_repositories
import tests.fault_probes_rest
import tests.fault_probes_spec
import tests.fault_probes_tokens  # noqa: F401
from fixtures.clients.admin import AdminClient
from fixtures.services.process import RefRegistryProcess
from fixtures.stacks.lifecycle import STACK_FAULTS
from refregistry.faults import CATALOGUE
from tests.conftest import ADMIN
from tests.fault_probes import CONFIGS, PROBES

Switched = Callable[[dict, tuple[str, ...]], RefRegistryProcess]

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
    "credentials",
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


@pytest.fixture(scope="session")
def switched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Switched]:
    """A running server for a configuration, emptied and switched to the given faults."""
    servers: dict[str, RefRegistryProcess] = {}

    def server(config: dict, faults: tuple[str, ...]) -> RefRegistryProcess:
        key = json.dumps(config, sort_keys=True)
        if key not in servers:
            directory = tmp_path_factory.mktemp("probed")
            (directory / "config.yaml").write_text(yaml.safe_dump(config))
            config_file = directory / "config.yaml"
            process = RefRegistryProcess(directory / "data", config=config_file, extra=("--fault-control",))
            servers[key] = process.start()
        AdminClient(servers[key].url, ADMIN).reset_with_faults(list(faults))
        return servers[key]

    yield server
    for process in servers.values():
        process.stop()


@pytest.mark.parametrize("fault", [f.name for f in CATALOGUE if f.where == "refregistry"])
def test_fault_breaks_exactly_what_its_probe_checks(switched: Switched, fault: str) -> None:
    """Workflow: the probe passes on a clean server and fails on the same server with the fault switched on."""
    PROBES[fault](switched(CONFIGS[fault], ()))
    with pytest.raises(AssertionError):
        PROBES[fault](switched(CONFIGS[fault], (fault,)))


def test_a_fault_given_at_start_is_on_from_the_first_request(tmp_path: Path) -> None:
    """Workflow: `serve --fault NAME` starts with it switched on (the stacks and a user's --fault rely on it)."""
    process = RefRegistryProcess(tmp_path / "data", faults=("ping-not-ok",)).start()
    try:
        assert requests.get(f"{process.url}/artifactory/api/system/ping", timeout=10).text != "OK"
    finally:
        process.stop()

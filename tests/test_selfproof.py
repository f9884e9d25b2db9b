"""The suite proves itself: each fault of refregistry's catalogue fails the checks mapped to it,
and every check is failed by some fault.

One item per fault (per stack family, for a fault built into a stack), one per capability for
the fault-free run, and one that makes the fault × check catch matrix from them all
(``reports/selfproof/``: ``matrix.json``, ``matrix.html``, ``matrix.md``, and ``report.json``
with CONVENTIONS' ``faults``).  How runs are made and shared: tests/selfproof.py.  Speed is
measured by ``bench/selfproof.py``, never here.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from fixtures.stacks import lifecycle
from fixtures.stacks.pool import StackPool
from refregistry.faults import CATALOGUE
from tests import selfproof
from tests.selfproof import FAULT_FREE, FAULT_RUNS, PROOFS, PROVING, Memo, Run
from tests.warm_pytest import WarmPytest

pytestmark = pytest.mark.engine

OUT = selfproof.ROOT / "reports" / "selfproof"
KNOWN = {"ping", "login", "push_pull", "oci_pull", "oci_push", "oci_discovery", "oci_management"}
KNOWN |= {"multiarch", "properties", "catalog", "promotion", "retention", "deletion", "virtual", "remote"}
KNOWN |= {"content_trust", "tls", "v1", "ha", "credentials"}


@pytest.fixture(scope="session")
def memo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Memo]:
    """The session's runs, shared by its xdist workers (their base temp dirs share a parent)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base
    warm = WarmPytest(selfproof.ROOT, shared / "selfproof-bytecode")
    yield Memo(shared / "selfproof-runs", warm)
    warm.close()


@pytest.fixture(scope="session")
def proving_stacks() -> Iterator[Path]:
    """This worker's proving stacks, started once and described for ``--attach``; stopped at the end."""
    run = secrets.token_hex(3)
    shared = Path(tempfile.gettempdir()) / f"refconf-{run}"
    pool = StackPool(run, shared, print, faults=[])
    try:
        for stack in PROVING:
            pool.get(stack)
        pool.describe_for_attach(shared / "attach.json")
        yield shared / "attach.json"
    finally:
        pool.close()
        client = docker.from_env()
        lifecycle.sweep(client, run)  # side containers a killed subprocess left beside the stacks
        client.close()
        shutil.rmtree(shared, ignore_errors=True)


def report_of(run: Run, memo: Memo, request: pytest.FixtureRequest) -> selfproof.Report:
    return memo.report(run, request.getfixturevalue("proving_stacks") if run.attached else None)


def test_every_fault_maps_to_known_capabilities() -> None:
    """Every fault names at least one capability, and only names from CONVENTIONS."""
    for fault in CATALOGUE:
        assert fault.checks and set(fault.checks) <= KNOWN, fault.name
        assert fault.where == "stack" or not fault.stacks, f"{fault.name}: only stack faults name stacks"


def test_every_built_in_stack_fault_applies_to_some_stack() -> None:
    """A fault built into stacks names stack ids that exist (a glob matching none would prove nothing)."""
    for fault in CATALOGUE:
        assert not fault.stacks or selfproof.families(fault), f"{fault.name}: {fault.stacks} match no stack"


@pytest.mark.parametrize("run", FAULT_FREE, ids=lambda run: run.capabilities[0])
def test_fault_free_run_passes(run: Run, memo: Memo, request: pytest.FixtureRequest) -> None:
    """Without faults, the capability's checks pass (or are skipped/unsupported) on the proving stacks."""
    report = report_of(run, memo, request)
    assert selfproof.failures(report) == [], "the fault-free run fails:\n" + "\n".join(selfproof.failures(report))


@pytest.mark.parametrize("proof", PROOFS, ids=lambda proof: proof[0].key)
def test_fault_is_caught(proof: tuple[Run, ...], memo: Memo, request: pytest.FixtureRequest) -> None:
    """With the fault on, every capability it maps to has a failing check (on the proving stacks, or on the family)."""
    reports = {run: report_of(run, memo, request) for run in proof}
    stacks = ", ".join(stack for run in proof for stack in run.stacks)
    assert selfproof.missed(proof, reports) == [], f"{proof[0].key} on {stacks}: no check of these failed"


@pytest.mark.timeout(0)  # reads what the items above computed; run alone, it computes them all itself
def test_catch_matrix_has_no_unproven_check_and_no_uncaught_fault(memo: Memo, request: pytest.FixtureRequest) -> None:
    """Every fault is caught on every stack it applies to; every check passing fault-free fails with some fault."""
    # Backwards: an item still running on another worker is then met last, if at all.
    by_run = {run: report_of(run, memo, request) for run in reversed(FAULT_RUNS)}
    clean = [report_of(run, memo, request) for run in FAULT_FREE]
    matrix = selfproof.catch_matrix(clean, by_run)
    selfproof.write_matrix(OUT, clean, matrix)
    missed = [
        f"{row['fault']} ({', '.join(row['uncaught_capabilities'])})" for row in matrix["faults"] if not row["caught"]
    ]
    assert missed == [], f"faults not caught: {missed}; see {OUT / 'matrix.html'}"
    assert matrix["unproven"] == [], f"checks no fault breaks: {matrix['unproven']}; see {OUT / 'matrix.html'}"

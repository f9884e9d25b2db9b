"""The self-proof's runs, their memo, and the fault × check catch matrix (tests/test_selfproof.py).

A *run* is one ``pytest conformance`` subprocess, as a user would start it:

* fault-free, one per capability, on the worker's two proving stacks (a direct and a proxied one);
* two per refregistry fault, *attached* to the worker's proving stacks: the subprocess resets
  the stack's refregistry and switches the fault on over its fault-control API, so the stacks
  start once per worker, not once per fault.  The run on the proxied stack has every check of
  the fault's capabilities, so the matrix shows all the fault fails; the run on the direct stack
  is *narrowed*: only the checks that failed behind the proxy, and the whole of any capability
  nothing failed in there.  The fault is caught if each capability fails on one of the two;
* one per stack fault built into a stack (a certificate, a proxy config) and per stack family
  it applies to (``Fault.stacks``): the subprocess starts that stack with the fault.  The run on
  the fault's first family has every check; those on its other families are narrowed by it
  (a tenth of the checks: most TLS checks push through an engine, and none of them notices a
  certificate that expires in three days).  The fault must be caught on every family.

Runs are memoised in a directory shared by the session's xdist workers, under a file lock per
run: whichever item needs a run first computes it, any other waits for it and reads it.  The
matrix item reads every run, so it is right whatever order xdist ran things in.
"""

from __future__ import annotations

import fcntl
import fnmatch
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixtures.report.outcomes import check_id
from fixtures.stacks.defs import EMBEDDED
from refregistry.faults import CATALOGUE, Fault
from tests.warm_pytest import WarmPytest

ROOT = Path(__file__).resolve().parent.parent
CAPABILITIES = tuple(sorted(p.stem.removeprefix("test_") for p in (ROOT / "conformance").glob("test_*.py")))
# One stack without a proxy and one behind a proxy: realm-ignores-proxy only shows behind one.
DIRECT, PROXIED = PROVING = ("direct-repopath-plain", "nginx-subdomain-tls")
FAILING = ("failed", "error")
RUN_TIMEOUT = 900  # a backstop for a hung subprocess; a run takes well under a minute
Report = dict[str, Any]  # a report.json document


@dataclass(frozen=True)
class Run:
    key: str  # "fault-free:push_pull", "no-range", "cert-expires-soon@nginx-ports-tls"
    fault: str | None
    capabilities: tuple[str, ...]
    stacks: tuple[str, ...]
    attached: bool  # on the worker's proving stacks, reset and switched; else on stacks of its own
    narrowed_by: str | None = None  # the key of the run whose failures choose this run's checks


def mapped(fault: Fault) -> tuple[str, ...]:
    """The capabilities a fault must fail that have a conformance module."""
    return tuple(sorted(set(fault.checks) & set(CAPABILITIES)))


def families(fault: Fault) -> tuple[str, ...]:
    """The refregistry stacks a built-in stack fault is proven on, each started with it."""
    ids = [s.id for s in EMBEDDED if s.registry == "refregistry"]
    return tuple(i for i in ids if any(fnmatch.fnmatchcase(i, glob) for glob in fault.stacks))


def fault_runs(fault: Fault) -> list[Run]:
    """The runs that prove ``fault``: the first has all checks, the others are narrowed by it."""
    caps = mapped(fault)
    if not fault.stacks:
        full = Run(fault.name, fault.name, caps, (PROXIED,), attached=True)
        return [full, Run(f"{fault.name}@{DIRECT}", fault.name, caps, (DIRECT,), attached=True, narrowed_by=full.key)]
    first, *others = families(fault)
    full = Run(f"{fault.name}@{first}", fault.name, caps, (first,), attached=False)
    narrowed = [Run(f"{fault.name}@{s}", fault.name, caps, (s,), attached=False, narrowed_by=full.key) for s in others]
    return [full, *narrowed]


def proofs(fault: Fault) -> list[tuple[Run, ...]]:
    """The self-proof's items for ``fault``: the runs each one makes, and judges together."""
    runs = fault_runs(fault)
    return [tuple(runs)] if runs[0].attached else [(run,) for run in runs]


FAULT_FREE = [Run(f"fault-free:{c}", None, (c,), PROVING, attached=True) for c in CAPABILITIES]
PROVEN_FAULTS = [f for f in CATALOGUE if mapped(f)]
# Items of narrowed runs alone last: each needs the run it is narrowed by, which xdist has then handed out.
PROOFS = sorted((p for fault in PROVEN_FAULTS for p in proofs(fault)), key=lambda p: bool(p[0].narrowed_by))
FAULT_RUNS = [run for proof in PROOFS for run in proof]
BY_KEY = {run.key: run for run in FAULT_RUNS}


def conformance(run: Run, attach: Path | None, report_dir: Path, warm: WarmPytest, checks: list[str]) -> Report:
    """Run the conformance suite as ``run`` says, only ``checks`` if any are named, and return its report.json.
    Only the capabilities' modules are collected: collecting all seventeen was a third of a short run's CPU."""
    argv = [*(checks or [f"conformance/test_{c}.py" for c in run.capabilities]), "-q", "-p", "no:cacheprovider"]
    argv += ["--no-header"]
    argv += ["--stacks", ",".join(run.stacks), "--capabilities", ",".join(run.capabilities)]
    argv += ["--report-dir", str(report_dir)] + (["--fault", run.fault] if run.fault else [])
    argv += ["--attach", str(attach)] if attach else []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    report_dir.mkdir(parents=True, exist_ok=True)
    log = report_dir / "output.log"
    code = warm.run(argv, env, log, RUN_TIMEOUT)
    latest = report_dir / "latest" / "report.json"
    assert latest.exists(), f"{run.key}: no report (exit {code}):\n{log.read_text()[-4000:]}"
    return json.loads(latest.read_text())


class Memo:
    """Each run computed once per session, by whichever worker asks first; the others wait and read it."""

    def __init__(self, directory: Path, warm: WarmPytest) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.warm = warm

    def report(self, run: Run, attach: Path | None) -> Report:
        """``run``'s report; ``attach`` describes the proving stacks an attached run uses."""
        checks = narrowed(run, self.report(BY_KEY[run.narrowed_by], attach)) if run.narrowed_by else []
        name = re.sub(r"[^\w.@-]", "_", run.key)
        done = self.directory / f"{name}.json"
        with open(self.directory / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                report = conformance(run, attach, self.directory / name, self.warm, checks)
                done.with_suffix(".tmp").write_text(json.dumps(report))
                done.with_suffix(".tmp").replace(done)
            return json.loads(done.read_text())


def check_of(result: dict[str, Any]) -> str:
    """A result's check: its node id without the stack it ran on (a check runs on every stack)."""
    return check_id(result["nodeid"], result["stack"])


def narrowed(run: Run, by: Report) -> list[str]:
    """What ``run`` is narrowed to by the report of the run it is narrowed by: the test functions
    that failed there (as node ids without parameters), and the module of each capability in
    which nothing failed there."""
    failed = [r for r in by["results"] if r["outcome"] in FAILING]
    checks = {r["nodeid"].split("[", 1)[0] for r in failed}
    modules = {f"conformance/test_{c}.py" for c in run.capabilities if c not in {r["capability"] for r in failed}}
    return sorted(checks | modules)


def failures(report: Report) -> list[str]:
    return [f"{r['nodeid']}: {r['message']}" for r in report["results"] if r["outcome"] in FAILING]


def uncaught(run: Run, report: Report) -> list[str]:
    """The capabilities ``run``'s fault should have failed and did not (on any of its stacks)."""
    failed = {r["capability"] for r in report["results"] if r["outcome"] in FAILING}
    return sorted(set(run.capabilities) - failed)


def missed(runs: tuple[Run, ...] | list[Run], reports: dict[Run, Report]) -> list[str]:
    """The capabilities a fault did not fail: on the proving stacks (on one of the two is enough),
    and on each stack family it is built into (every one must)."""
    together = [set(uncaught(run, reports[run])) for run in runs if run.attached]
    left = set.intersection(*together) if together else set()
    return sorted(left.union(*(uncaught(run, reports[run]) for run in runs if not run.attached)))


def catch_matrix(clean: list[Report], by_run: dict[Run, Report]) -> dict[str, Any]:
    """Which checks each fault made fail, on which stacks, which faults each check caught, what is unproven."""
    checks = sorted({check_of(r) for report in clean for r in report["results"] if r["outcome"] == "passed"})
    caught_by: dict[str, list[str]] = {check: [] for check in checks}
    faults = []
    for fault in PROVEN_FAULTS:
        runs = [run for run in by_run if run.fault == fault.name]
        failed = sorted({check_of(r) for run in runs for r in by_run[run]["results"] if r["outcome"] in FAILING})
        for check in failed:
            caught_by.setdefault(check, []).append(fault.name)
        stacks = {stack: uncaught(run, by_run[run]) for run in runs for stack in run.stacks if not run.attached}
        left = missed(runs, by_run)
        faults.append(
            {
                "fault": fault.name,
                "summary": fault.summary,
                "where": fault.where,
                "capabilities": list(mapped(fault)),
                "stacks": sorted({s for run in runs for s in run.stacks}),
                "checks": failed,
                "caught": not left and len(runs) > 0,
                "uncaught_capabilities": left,
                "uncaught_on": sorted(stack for stack, left in stacks.items() if left),
            }
        )
    unproven = sorted(check for check in checks if not caught_by.get(check))
    return {"faults": faults, "caught_by": {c: sorted(caught_by[c]) for c in checks}, "unproven": unproven}


def write_matrix(out: Path, clean: list[Report], matrix: dict[str, Any]) -> None:
    """``matrix.json`` (the catch matrix), ``report.json`` (CONVENTIONS: the fault-free report with
    ``faults``), ``matrix.md`` and ``matrix.html`` (the same for a person)."""
    out.mkdir(parents=True, exist_ok=True)
    results = [r for report in clean for r in report["results"]]
    summary = {o: sum(r["outcome"] == o for r in results) for o in clean[0]["summary"]} if clean else {}
    doc = {**(clean[0] if clean else {}), "results": results, "summary": summary}
    (out / "report.json").write_text(json.dumps(doc | {k: matrix[k] for k in ("faults", "unproven")}, indent=2) + "\n")
    (out / "matrix.json").write_text(json.dumps(matrix, indent=2) + "\n")
    (out / "matrix.md").write_text(_markdown(matrix))
    (out / "matrix.html").write_text(_html(matrix))


def _verdict(row: dict[str, Any]) -> str:
    if row["caught"]:
        return "yes"
    where = f" on {', '.join(row['uncaught_on'])}" if row["uncaught_on"] else ""
    return f"no ({', '.join(row['uncaught_capabilities'])} not failed{where})"


def _markdown(matrix: dict[str, Any]) -> str:
    lines = ["# Self-proof: fault × check catch matrix", "", f"Refregistry faults on {', '.join(PROVING)}.", ""]
    lines += ["## Faults", "", "| fault | stacks | caught | checks it failed |", "|---|---|---|---|"]
    for row in matrix["faults"]:
        lines.append(f"| `{row['fault']}` | {len(row['stacks'])} | {_verdict(row)} | {len(row['checks'])} |")
    lines += ["", "## Checks", "", "| check | caught by |", "|---|---|"]
    for check, faults in matrix["caught_by"].items():
        lines.append(f"| `{check}` | {', '.join(f'`{f}`' for f in faults) or '**unproven**'} |")
    return "\n".join(lines) + "\n"


def _html(matrix: dict[str, Any]) -> str:
    e = html.escape
    faults = matrix["faults"]
    bad = [row for row in faults if not row["caught"]]
    head = (
        f"<p class={'bad' if bad or matrix['unproven'] else 'good'}><b>{len(faults) - len(bad)} of {len(faults)} "
        f"faults caught; {len(matrix['unproven'])} of {len(matrix['caught_by'])} checks unproven.</b></p>"
    )
    rows = "".join(
        f"<tr class={'good' if r['caught'] else 'bad'}><td><code>{e(r['fault'])}</code><br><small>{e(r['summary'])}"
        f"</small></td><td>{e(', '.join(r['stacks']))}</td><td>{e(_verdict(r))}</td><td>{len(r['checks'])}</td></tr>"
        for r in faults
    )
    checks = "".join(
        f"<tr class={'good' if by else 'bad'}><td><code>{e(check)}</code></td>"
        f"<td>{e(', '.join(by)) or '<b>unproven</b>'}</td></tr>"
        for check, by in matrix["caught_by"].items()
    )
    style = (
        "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        ".good td:nth-child(3),p.good{color:#176f2c}.bad td,p.bad{color:#b00020}small{color:#555}"
    )
    return (
        f"<!doctype html><meta charset=utf-8><title>Self-proof catch matrix</title><style>{style}</style>"
        f"<h1>Self-proof: fault × check catch matrix</h1>{head}"
        "<h2>Faults</h2><table><tr><th>fault</th><th>stacks</th><th>caught</th><th>checks it failed</th></tr>"
        f"{rows}</table><h2>Checks</h2><table><tr><th>check</th><th>caught by</th></tr>{checks}</table>\n"
    )

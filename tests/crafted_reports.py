"""Crafted report.json documents for the comparison's tests: every move between outcomes, one check each."""

from __future__ import annotations

from fixtures.report.outcomes import Outcome, Report, Result

PLAIN, TLS = "direct-repopath-plain", "nginx-subdomain-tls"


def result(name: str, outcome: str, *, stack: str = PLAIN, duration: float = 0.1, message: str = "") -> Result:
    module, _, test = name.partition("::")
    return {
        "nodeid": f"conformance/test_{module}.py::{test}[{stack}]",
        "stack": stack,
        "capability": module,
        "outcome": Outcome(outcome),
        "duration": duration,
        "message": message,
    }


def report(run: str, results: list[Result], suite: str = "0.1.0") -> Report:
    return {
        "run": {"id": run, "started": "", "finished": "", "argv": [], "versions": {"suite": suite}},
        "stacks": [{"id": s} for s in sorted({r["stack"] for r in results})],
        "results": results,
        "summary": {},
    }


# Every move between outcomes that the module's table names, one check each.
BEFORE = report(
    "run-1",
    [
        result("ping::passes_then_fails", "passed"),
        result("ping::skipped_then_errors", "skipped"),
        result("ping::deviation_then_fails", "deviation"),
        result("ping::unsupported_then_fails", "unsupported"),
        result("ping::fails_then_passes", "failed", message="expected 200, got 500"),
        result("ping::errors_then_passes", "error"),
        result("ping::fails_then_errors", "failed"),
        result("ping::fails_then_unsupported", "failed"),
        result("ping::passes_then_skipped", "passed"),
        result("ping::stays_passed", "passed"),
        result("ping::stays_failed", "failed"),
        result("ping::leaves", "passed"),
        result("ping::stays_passed", "passed", stack=TLS),
        result("catalog::not_run_later", "passed"),
    ],
)
AFTER = report(
    "run-2",
    [
        result("ping::passes_then_fails", "failed", message="GET /v2/: expected 200, got 401"),
        result("ping::skipped_then_errors", "error"),
        result("ping::deviation_then_fails", "failed"),
        result("ping::unsupported_then_fails", "failed"),
        result("ping::fails_then_passes", "passed"),
        result("ping::errors_then_passes", "passed"),
        result("ping::fails_then_errors", "error"),
        result("ping::fails_then_unsupported", "unsupported"),
        result("ping::passes_then_skipped", "skipped"),
        result("ping::stays_passed", "passed"),
        result("ping::stays_failed", "failed"),
        result("ping::arrives", "failed", message="new and failing"),
        result("ping::stays_passed", "passed", stack="haproxy-ports-tls"),
    ],
)

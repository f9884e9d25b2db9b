"""How fast the project proves itself: the self-proof and ``make test``, timed, with faults per minute.

Run it from the project root::

    .venv/bin/python bench/selfproof.py                       # the self-proof alone (pytest -n 4)
    .venv/bin/python bench/selfproof.py --make-test           # `make test` first, then the self-proof
    .venv/bin/python bench/selfproof.py --hog 2 --make-test   # with two busy-loop processes beside it
    .venv/bin/python bench/selfproof.py --checkout /tmp/old   # another checkout, e.g. the previous commit

This is a benchmark, not a test: it prints figures and never fails on them (the runs it times
say pass or fail as they would anyway).  Faults per minute counts the catalogue's faults the
self-proof proves (``refregistry faults --json``; a stack fault proven on ten stack families
counts once) over the self-proof's wall time.  The hog processes spin in pure Python until the
timed commands end: CI shares its machine, and nothing in the suite may depend on a timeout
being generous.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"^(?:=+ )?(.*\d+ (?:passed|failed|error).*) in [\d.]+s")


@dataclass
class Timed:
    what: str
    seconds: float
    code: int
    summary: str


def _spin() -> None:
    while True:
        pass


def timed(what: str, argv: list[str], cwd: Path, log: Path) -> Timed:
    """Run ``argv`` with its output to ``log``; the wall time, exit code and pytest's summary line."""
    print(f"selfproof-bench: {what}: {' '.join(argv)} (output: {log})", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    seconds = time.monotonic() - started
    found = [m.group(1) for line in log.read_text().splitlines() if (m := SUMMARY.match(line))]
    return Timed(what, seconds, code, found[-1] if found else "no pytest summary")


def proven_faults(checkout: Path) -> int:
    """The faults of the checkout's catalogue that map to a conformance capability it has."""
    argv = [str(checkout / ".venv/bin/refregistry"), "faults", "--json"]
    catalogue = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
    modules = {p.stem.removeprefix("test_") for p in (checkout / "conformance").glob("test_*.py")}
    return sum(bool(set(fault["checks"]) & modules) for fault in catalogue)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="project checkout to time (its .venv)")
    parser.add_argument("--workers", type=int, default=4, help="pytest -n for the self-proof (default 4, as make test)")
    parser.add_argument("--hog", type=int, default=0, help="busy-loop processes running beside (default 0)")
    parser.add_argument("--make-test", action="store_true", help="time `make test` too")
    parser.add_argument("--logs", type=Path, default=Path("/tmp"), help="where the runs' output goes")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    pytest = [str(checkout / ".venv/bin/pytest"), "-p", "no:cacheprovider"]
    hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.hog)]
    for hog in hogs:
        hog.start()
    try:
        runs = []
        if args.make_test:  # first: on a fresh clone it installs what the self-proof needs
            runs.append(timed("make test", ["make", "test"], checkout, args.logs / "selfproof-bench-make-test.log"))
        runs.append(
            timed(
                f"self-proof (-n {args.workers})",
                [*pytest, "-n", str(args.workers), "-q", "tests/test_selfproof.py"],
                checkout,
                args.logs / "selfproof-bench-selfproof.log",
            )
        )
    finally:
        for hog in hogs:
            hog.terminate()
            hog.join()
    faults = proven_faults(checkout)
    print(f"\ncheckout {checkout}; {args.hog} busy-loop processes beside; {faults} faults proven")
    print(f"{'run':<22} {'wall':>9} {'exit':>5}  pytest summary")
    for run in runs:
        print(f"{run.what:<22} {run.seconds:>8.1f}s {run.code:>5}  {run.summary}")
    print(f"\nself-proof: {faults / (runs[-1].seconds / 60):.1f} faults per minute")
    return 0


if __name__ == "__main__":
    sys.exit(main())

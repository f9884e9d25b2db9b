"""Blob push and pull throughput: refregistry versus the CNCF registry, side by side on loopback.

Run it from the project root (about 2 minutes with the defaults on 2 cores)::

    .venv/bin/python -m bench.registry_throughput            # or: make bench
    .venv/bin/python -m bench.registry_throughput --sizes 1M,64M --repeat 5 --verbose

This is a benchmark, not a test: it prints figures and never fails on them.  It starts
refregistry (``fixtures.services.process.RefRegistryProcess``, admin/password Basic auth, repository
path form ``/v2/docker-local/<image>``) and the CNCF registry (``/usr/bin/docker-registry``,
Debian package ``docker-registry``, filesystem storage, no auth, ``/v2/<image>``), each on a
free loopback port with its data in one temp dir, and measures both with the same client
(``http.client`` with 1 MiB blocks; the null-server column shows it is not the limit):

* push: ``POST .../blobs/uploads/`` then ``PUT <Location>?digest=sha256:...`` streaming the
  blob from disk as the body (a monolithic upload), timed from the POST to the 201;
* pull: ``GET .../blobs/<digest>`` into a sink with 1 MiB ``readinto`` calls, checking the
  length and the blob's unique last 16 bytes;
* pull+sha256: the same GET again, with the sha256 of the data computed as it arrives (in the
  timed loop) and checked against the pushed digest.  Every pushed blob is verified this way.
  It is a row of its own because sha256 in the client (about 1.2 GB/s here) caps it.

Payloads: one file per size, written once by streaming random bytes; nothing holds a blob in
memory, here or (by design) in the servers.  Both registries dedupe by content, so every push
must carry new bytes to be a real write: a push sends the payload file followed by a 16-byte
suffix unique to that push (the blob is exactly the requested size) and its digest is the
file's sha256 state, computed once, extended by the suffix.  Each push also goes to a fresh
image name.

Fairness: the servers alternate in every round (A B, then B A, so neither always goes first),
each size starts with an untimed warm-up round, all data is on one file system, and
``os.sync()`` runs (untimed) before every push so the write-back of the previous push does not
land on the next one.  After each round the pushed blob files are deleted from both data dirs
(untimed, behind the servers' backs: they are never read again), so disk use stays flat and
the next round's writes can reuse the freed page cache.  This matters on a VM whose host backs
guest memory on first touch and takes freed pages back: writing into such pages runs at a few
hundred MB/s (``dd`` shows the same), so large pushes measure that as much as the servers;
compare the 64 MiB rows for the servers' own push cost.  Small blobs are pushed several times
per round (at least 64 MiB per measurement, at most 32 blobs).  Figures are medians over
``--repeat`` rounds with min-max ranges; MB = 10^6 bytes.

The ``null server`` column is the same client against a minimal server (Python
``http.server`` that discards uploads and serves downloads with 4 MiB ``pread`` + ``sendall``):
roughly what client and loopback can do.  For small blobs it is bound by its own per-request
cost, so a registry can beat it there.

Peak RSS is each server process's VmHWM from ``/proc/<pid>/status`` at the end of the run,
so it covers every push and pull, including the largest.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.servers import BLOCK, DOCKER_REGISTRY, Target, cncf_registry, null_server, refregistry, serve_null
from bench.transfer import SUFFIX, Blob, Payload, blob_path, pull, push

MIN_BYTES_PER_SAMPLE = 64 << 20
MAX_OPS_PER_SAMPLE = 32
MAX_SIZE = 2 << 30
MAX_REPEAT = 10
UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


# -- measuring -------------------------------------------------------------------------------
OPS = ("push", "pull", "pull+sha256")


@dataclass
class Samples:
    values: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)  # (size, op, server) -> MB/s

    def median(self, size: int, op: str, server: str) -> float:
        return statistics.median(self.values[(size, op, server)])

    def spread(self, size: int, op: str, server: str) -> str:
        values = self.values[(size, op, server)]
        return f"{min(values):.0f}-{max(values):.0f}"


def ops_per_sample(size: int) -> int:
    return max(1, min(MAX_OPS_PER_SAMPLE, MIN_BYTES_PER_SAMPLE // size))


def drop_blobs(target: Target, blobs: list[Blob]) -> None:
    """Remove pushed blob files behind the server's back (untimed; they are never read again).

    Freed page cache is reused by the next round's writes: on a VM whose memory the host backs
    on first touch, writing into never-used pages costs several times more than the server's
    own work, and would hit whichever server happened to grow the page cache.
    """
    for blob in blobs:
        path = target.blob_file(blob.digest)
        if not path.is_file():
            raise RuntimeError(f"{target.name}: expected its blob file at {path}")
        path.unlink()


def run_round(targets: list[Target], payload: Payload, tag: str, buffer: memoryview) -> dict[tuple[str, str], float]:
    """One push, pull and verified pull of ``ops_per_sample`` blobs per server; MB/s by (op, server)."""
    count = ops_per_sample(payload.size)
    nbytes = count * payload.size
    result: dict[tuple[str, str], float] = {}
    pushed: dict[str, list[tuple[str, Blob]]] = {}
    for target in targets:
        pushed[target.name] = []
        seconds = 0.0
        for i in range(count):
            image = f"bench/{tag}-{i}-{secrets.token_hex(4)}"
            blob = payload.blob()
            os.sync()  # the previous push's write-back happens now, not during this one
            seconds += push(target, image, blob)
            pushed[target.name].append((image, blob))
        result[("push", target.name)] = nbytes / seconds / 1e6
    for op, verify in (("pull", False), ("pull+sha256", True)):
        for target in targets:
            seconds = sum(
                pull(target, blob_path(target, image, blob), blob, buffer, verify=verify)
                for image, blob in pushed[target.name]
            )
            result[(op, target.name)] = nbytes / seconds / 1e6
    for target in targets:
        drop_blobs(target, [blob for _, blob in pushed[target.name]])
    return result


def measure(
    targets: list[Target],
    null: Target | None,
    payload: Payload,
    repeat: int,
    samples: Samples,
    buffer: memoryview,
    verbose: bool,
) -> None:
    """An untimed warm-up round, then ``repeat`` rounds, the server order flipping each round."""
    count = ops_per_sample(payload.size)
    for rnd in range(repeat + 1):
        order = targets if rnd % 2 == 0 else targets[::-1]
        result = run_round(order, payload, f"s{payload.size}-r{rnd}", buffer)
        if null is not None:
            result.update(((op, null.name), value) for op, value in null_round(null, payload, buffer).items())
        if rnd == 0:
            continue
        for (op, name), value in result.items():
            samples.values.setdefault((payload.size, op, name), []).append(value)
        if verbose:
            line = ", ".join(f"{op} {name} {value:.0f}" for (op, name), value in sorted(result.items()))
            print(f"  {human(payload.size)} round {rnd}/{repeat} x{count}: {line} MB/s", flush=True)


def null_round(null: Target, payload: Payload, buffer: memoryview) -> dict[str, float]:
    """The same client against the null server, MB/s by op."""
    count = ops_per_sample(payload.size)
    seconds = dict.fromkeys(OPS, 0.0)
    for _ in range(count):
        blob = payload.blob()
        seconds["push"] += push(null, "null", blob)
        path = "/blob?" + urllib.parse.urlencode({"path": str(payload.path), "suffix": blob.suffix.hex()})
        seconds["pull"] += pull(null, path, blob, buffer, verify=False)
        seconds["pull+sha256"] += pull(null, path, blob, buffer, verify=True)
    return {op: count * payload.size / s / 1e6 for op, s in seconds.items()}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", text.upper())
    if not match:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (use e.g. 1M, 64M, 1G)")
    return int(match[1]) * UNITS[match[2]]


def parse_sizes(text: str) -> list[int]:
    sizes = [parse_size(part) for part in text.split(",") if part.strip()]
    if not sizes or any(s < SUFFIX or s > MAX_SIZE for s in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be between {SUFFIX} B and {human(MAX_SIZE)}")
    return sizes


def human(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit] and size % UNITS[unit] == 0:
            return f"{size // UNITS[unit]} {unit}iB"
    return f"{size} B"


def report(sizes: list[int], repeat: int, samples: Samples, rss: dict[str, int]) -> None:
    header = (
        f"{'size':>7}  {'op':<11}  {'refregistry MB/s':>16}  {'CNCF MB/s':>10}  {'ratio':>6}"
        f"  {'null server':>11}  {'refregistry range':>17}  {'CNCF range':>11}"
    )
    print(f"\nmedian of {repeat} round(s); ratio = refregistry / CNCF; MB = 10^6 bytes")
    print(header)
    print("-" * len(header))
    for size in sizes:
        for op in OPS:
            ours, theirs = samples.median(size, op, "refregistry"), samples.median(size, op, "CNCF")
            null = f"{samples.median(size, op, 'null'):11.0f}" if (size, op, "null") in samples.values else f"{'-':>11}"
            print(
                f"{human(size):>7}  {op:<11}  {ours:16.0f}  {theirs:10.0f}  {ours / theirs:6.2f}  {null}"
                f"  {samples.spread(size, op, 'refregistry'):>17}  {samples.spread(size, op, 'CNCF'):>11}"
            )
    print()
    for name, kib in rss.items():
        print(f"peak RSS {name:<12} {kib / 1024:7.1f} MiB = {kib * 1024 / 1e6:6.1f} MB  (VmHWM over the whole run)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=parse_sizes, default=[1 << 20, 64 << 20, 1 << 30], help="blob sizes (default 1M,64M,1G)"
    )
    parser.add_argument("--repeat", type=int, default=5, help=f"measured rounds per size, 1-{MAX_REPEAT} (default 5)")
    parser.add_argument("--no-null", action="store_true", help="skip the null-server column")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every round")
    parser.add_argument("--null-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.null_server:
        serve_null(args.null_server)
        return 0
    if not 1 <= args.repeat <= MAX_REPEAT:
        parser.error(f"--repeat must be between 1 and {MAX_REPEAT}")
    if not Path(DOCKER_REGISTRY).exists():
        parser.error(f"{DOCKER_REGISTRY} is missing (Debian package docker-registry)")

    # SIGTERM unwinds like Ctrl-C, so the servers are stopped and the temp dir removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    buffer = memoryview(bytearray(BLOCK))
    samples = Samples()
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="registry-throughput-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        ours = stack.enter_context(refregistry(workdir))
        theirs = stack.enter_context(cncf_registry(workdir))
        null = None if args.no_null else stack.enter_context(null_server(workdir))
        print(f"refregistry pid {ours.pid} port {ours.port}; CNCF pid {theirs.pid} port {theirs.port}; {workdir}")
        for size in args.sizes:
            payload = Payload.create(size, workdir)
            rounds = f"1 warm-up + {args.repeat} round(s) of {ops_per_sample(size)} blob(s) per server"
            print(f"{human(size)}: {rounds}", flush=True)
            measure([ours, theirs], null, payload, args.repeat, samples, buffer, args.verbose)
            payload.path.unlink()
            if args.verbose:
                print(f"  VmHWM so far: refregistry {ours.peak_rss_kib()} KiB, CNCF {theirs.peak_rss_kib()} KiB")
        rss = {t.name: t.peak_rss_kib() for t in (ours, theirs)}
        report(args.sizes, args.repeat, samples, rss)
    print(f"\ntotal {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

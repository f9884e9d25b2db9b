"""Manifest GET requests per second: refregistry versus the CNCF registry, on loopback.

Run it from the project root (about half a minute)::

    .venv/bin/python -m bench.manifest_rps                     # 16 connections, 5 s per round
    .venv/bin/python -m bench.manifest_rps --connections 16 --seconds 5 --repeat 3

A benchmark, not a test: it prints figures and never fails on them.  Both servers are the ones
``bench.registry_throughput`` starts (``bench/servers.py``).  One small image goes to each, then
``--connections`` keep-alive connections (spread over two client processes, so the client's GIL
is not the limit) GET its manifest by tag for ``--seconds``, as fast as the answers come.
refregistry is asked twice: with the Bearer token a Docker client holds (``/v2/token``, scope
``repository:docker-local/bench:pull``: every request is checked against the token's scopes and
the user's permissions) and with Basic credentials.  Figures are medians over ``--repeat`` rounds;
the servers alternate within each round.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from bench.servers import DOCKER_REGISTRY, Target, cncf_registry, refregistry

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CLIENT_PROCESSES = 2


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _call(target: Target, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    conn = target.connect()
    try:
        conn.request(method, path, body=body, headers={**target.headers, **(headers or {})})
        answer = conn.getresponse()
        data = answer.read()
        if answer.status >= 300:
            raise RuntimeError(f"{target.name}: {method} {path} -> {answer.status} {data[:200]!r}")
        return data
    finally:
        conn.close()


def push_image(target: Target) -> str:
    """A config, one layer and their manifest as ``bench:1``; the manifest path."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}).encode()
    layer = b"bench-layer" * 100
    for blob in (config, layer):
        conn = target.connect()
        conn.request("POST", f"{target.root}/bench/blobs/uploads/", headers={**target.headers, "Content-Length": "0"})
        answer = conn.getresponse()
        answer.read()
        conn.close()
        location = urllib.parse.urlsplit(answer.headers["Location"])
        query = f"{location.query}&" if location.query else ""
        _call(target, "PUT", f"{location.path}?{query}digest={_digest(blob)}", blob)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": _digest(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": len(layer),
                    "digest": _digest(layer),
                }
            ],
        }
    ).encode()
    path = f"{target.root}/bench/manifests/1"
    _call(target, "PUT", path, manifest, {"Content-Type": MANIFEST_TYPE})
    return path


def bearer_headers(target: Target) -> dict[str, str]:
    """The Bearer header a Docker client sends after the token flow for a pull."""
    doc = json.loads(_call(target, "GET", "/v2/token?service=artifactory&scope=repository:docker-local/bench:pull"))
    return {"Authorization": f"Bearer {doc['token']}"}


def _hammer(address: tuple[str, int], path: str, headers: dict[str, str], threads: int, seconds: float) -> int:
    """Requests answered by ``threads`` keep-alive connections in ``seconds`` (one client process)."""
    counts = [0] * threads
    stop = time.monotonic() + seconds
    request_headers = {**headers, "Accept": MANIFEST_TYPE}

    def run(i: int) -> None:
        conn = http.client.HTTPConnection(*address, timeout=60)
        while time.monotonic() < stop:
            conn.request("GET", path, headers=request_headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{address}: GET {path} -> {answer.status}")
            counts[i] += 1
        conn.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts)


def rate(
    pool: ProcessPoolExecutor, target: Target, path: str, headers: dict[str, str], conns: int, secs: float
) -> float:
    per_process = [conns // CLIENT_PROCESSES + (i < conns % CLIENT_PROCESSES) for i in range(CLIENT_PROCESSES)]
    futures = [pool.submit(_hammer, (target.host, target.port), path, headers, n, secs) for n in per_process if n]
    return sum(f.result() for f in futures) / secs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds (default 3)")
    args = parser.parse_args(argv)
    if not Path(DOCKER_REGISTRY).exists():
        parser.error(f"{DOCKER_REGISTRY} is missing (Debian package docker-registry)")
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="manifest-rps-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        ours = stack.enter_context(refregistry(workdir))
        theirs = stack.enter_context(cncf_registry(workdir))
        pool = stack.enter_context(ProcessPoolExecutor(CLIENT_PROCESSES))
        runs = {
            "refregistry (Bearer)": (ours, push_image(ours), bearer_headers(ours)),
            "refregistry (Basic)": (ours, f"{ours.root}/bench/manifests/1", ours.headers),
            "CNCF": (theirs, push_image(theirs), {}),
        }
        for target, path, headers in runs.values():  # warm-up, untimed
            rate(pool, target, path, headers, args.connections, 1.0)
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for i in range(args.repeat):
            order = list(runs) if i % 2 == 0 else list(reversed(runs))
            for name in order:
                target, path, headers = runs[name]
                samples[name].append(rate(pool, target, path, headers, args.connections, args.seconds))
        cncf = statistics.median(samples["CNCF"])
        print(f"manifest GET, {args.connections} connections, {args.repeat} x {args.seconds:g} s")
        for name, values in samples.items():
            median = statistics.median(values)
            spread = f"{min(values):.0f}-{max(values):.0f}"
            print(f"  {name:<22} {median:8.0f} req/s  ({spread})  {median / cncf:5.2f} x CNCF")
    return 0


if __name__ == "__main__":
    sys.exit(main())

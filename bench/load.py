"""Small-request timing for the benchmarks: one request's latency on a keep-alive connection."""

from __future__ import annotations

import statistics
import time

from bench.servers import Target


def latency(target: Target, path: str, rounds: int, budget: float, warmup: int = 3) -> tuple[float, bytes]:
    """Median seconds of ``GET path`` over ``rounds`` requests on one keep-alive connection, or as many
    as ``budget`` seconds allow (at least 3: a slow server's figure needs no more); the last body."""
    conn = target.connect()
    seconds: list[float] = []
    body = b""
    until = time.perf_counter() + budget
    try:
        for i in range(warmup + rounds):
            if len(seconds) >= 3 and time.perf_counter() > until:
                break
            started = time.perf_counter()
            conn.request("GET", path, headers=target.headers)
            resp = conn.getresponse()
            body = resp.read()
            if i >= warmup:
                seconds.append(time.perf_counter() - started)
            if resp.status != 200:
                raise RuntimeError(f"{target.name} GET {path}: HTTP {resp.status}: {body[:300]!r}")
    finally:
        conn.close()
    return statistics.median(seconds), body

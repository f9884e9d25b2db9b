"""Small-request timing for the benchmarks: one request's latency, and requests per second over
many keep-alive connections at once.

The rate client is asyncio on raw streams (one pre-built request, the answer's headers parsed
only for its length), so that the client costs far less per request than either server: on a
2-core machine it shares the CPU with the server it measures.
"""

from __future__ import annotations

import asyncio
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


def request_rate(target: Target, path: str, headers: dict[str, str], connections: int, seconds: float) -> float:
    """Answered ``GET path`` per second with ``connections`` connections kept busy for ``seconds``."""
    return asyncio.run(_rate(target, path, {**target.headers, **headers}, connections, seconds))


async def _rate(target: Target, path: str, headers: dict[str, str], connections: int, seconds: float) -> float:
    lines = [f"GET {path} HTTP/1.1", f"Host: {target.host}:{target.port}", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    counts = await asyncio.gather(*(_connection(target, request, deadline) for _ in range(connections)))
    return sum(counts) / (time.perf_counter() - started)


async def _connection(target: Target, request: bytes, deadline: float) -> int:
    reader, writer = await asyncio.open_connection(target.host, target.port)
    done = 0
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length = _head(head)
            await reader.readexactly(length)
            if status != 200:
                raise RuntimeError(f"{target.name}: HTTP {status} under load: {head[:300]!r}")
            done += 1
    finally:
        writer.close()
    return done


def _head(head: bytes) -> tuple[int, int]:
    """(status, Content-Length) of an answer's header block."""
    lines = head.split(b"\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(lines[0].split()[1]), length

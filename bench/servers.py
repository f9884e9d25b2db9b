"""The servers the throughput benchmark runs side by side: refregistry, the CNCF registry, a null server."""

from __future__ import annotations

import base64
import http.client
import http.server
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from fixtures.services.process import RefRegistryProcess

ROOT = Path(__file__).resolve().parent.parent

DOCKER_REGISTRY = "/usr/bin/docker-registry"
BLOCK = 1 << 20


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def wait_http(proc: subprocess.Popen[bytes], host: str, port: int, path: str, log: Path, timeout: float) -> None:
    """Until ``GET path`` gets any HTTP answer; fails early if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            # Not listening yet: wait for the process to change state, at most a moment.
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
    raise RuntimeError(f"no answer on http://{host}:{port}{path} after {timeout}s: {log.read_text()[-2000:]}")


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Target:
    """A registry as the client sees it: where it listens, its root, its credentials."""

    name: str
    host: str
    port: int
    root: str  # path of the registry root, without trailing slash (``/v2`` or ``/v2/<repo>``)
    pid: int
    blob_file: Callable[[str], Path]  # where the server keeps a committed blob, by digest
    headers: dict[str, str] = field(default_factory=dict)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120, blocksize=BLOCK)

    def peak_rss_kib(self) -> int:
        return peak_rss_kib(self.pid)


@contextmanager
def refregistry(workdir: Path) -> Iterator[Target]:
    server = RefRegistryProcess(workdir / "refregistry-data", extra=("--quiet",))
    try:
        server.start()
        assert server.proc
        url = urllib.parse.urlsplit(server.url)
        auth = "Basic " + base64.b64encode(b"admin:password").decode()
        blobs = server.data / "blobs" / "sha256"
        yield Target(
            "refregistry",
            url.hostname or "127.0.0.1",
            url.port or 80,
            "/v2/docker-local",
            server.proc.pid,
            lambda digest: blobs / digest[7:9] / digest[7:],
            {"Authorization": auth},
        )
    finally:
        server.stop()


CNCF_CONFIG = """\
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
"""


@contextmanager
def cncf_registry(workdir: Path) -> Iterator[Target]:
    port = free_port()
    config = workdir / "cncf-config.yml"
    config.write_text(CNCF_CONFIG.format(root=workdir / "cncf-data", port=port))
    log = workdir / "cncf.log"
    proc = None
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen([DOCKER_REGISTRY, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT)
        wait_http(proc, "127.0.0.1", port, "/v2/", log, timeout=30)
        blobs = workdir / "cncf-data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
        yield Target(
            "CNCF", "127.0.0.1", port, "/v2", proc.pid, lambda digest: blobs / digest[7:9] / digest[7:] / "data"
        )
    finally:
        stop_process(proc)


class NullHandler(http.server.BaseHTTPRequestHandler):
    """Discards pushes; serves ``GET /blob?path=P&suffix=HEX`` as file P plus the suffix.

    The file goes out in 4 MiB ``pread`` + ``sendall`` steps: over loopback that beats
    ``sendfile``, which leaves all the copying to the receiver.
    """

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def do_GET(self) -> None:
        if self.path.startswith("/v2/"):
            self._answer(200, {"Content-Length": "0"})
            return
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        path, suffix = Path(query["path"][0]), bytes.fromhex(query["suffix"][0])
        size = path.stat().st_size
        self._answer(200, {"Content-Length": str(size + len(suffix))})
        fd = os.open(path, os.O_RDONLY)
        try:
            offset = 0
            while chunk := os.pread(fd, 4 << 20, offset):
                self.connection.sendall(chunk)
                offset += len(chunk)
        finally:
            os.close(fd)
        self.connection.sendall(suffix)

    def do_POST(self) -> None:
        self._answer(202, {"Location": "/upload", "Content-Length": "0"})

    def do_PUT(self) -> None:
        left = int(self.headers["Content-Length"])
        view = memoryview(bytearray(BLOCK))
        while left:
            n = self.rfile.readinto(view[: min(BLOCK, left)])
            if not n:
                break
            left -= n
        self._answer(201, {"Content-Length": "0"})


def serve_null(port: int) -> None:
    server = http.server.HTTPServer(("127.0.0.1", port), NullHandler)
    server.serve_forever()


@contextmanager
def null_server(workdir: Path) -> Iterator[Target]:
    port = free_port()
    log = workdir / "null.log"
    proc = None
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.registry_throughput", "--null-server", str(port)],
                cwd=ROOT,  # where ``bench`` is a package
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_http(proc, "127.0.0.1", port, "/v2/", log, timeout=30)
        yield Target("null", "127.0.0.1", port, "", proc.pid, lambda digest: workdir / "nowhere")
    finally:
        stop_process(proc)

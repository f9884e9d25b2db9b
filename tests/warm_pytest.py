"""pytest runs in forked children of one warm interpreter.

The self-proof starts a hundred-odd conformance runs.  As subprocesses each pays Python's start
and the imports of pytest, docker, requests and testcontainers again (about 0.6 s of CPU here,
on a machine whose two cores the runs keep busy).  A *warm* server imports them once; each run
is a child forked from it, as isolated as a subprocess (its own memory, environment, working
directory and output file) but already warm.  The harness's own modules are not imported before
the fork, so pytest rewrites their asserts as it would in a subprocess.

The runs write bytecode, rewritten test modules included, to a cache directory of the server's:
pytest keeps a rewritten module only where bytecode is written, and with PYTHONDONTWRITEBYTECODE
set (as it is in some CI environments) each run rewrote the asserts of the ~30 conformance and
fixture modules again, a third of its CPU.  The cache directory keeps the source tree as clean
as the variable meant it to stay.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

# testcontainers reads its settings when imported: Ryuk stays off (its image would be pulled).
SERVER = r"""
import json, os, sys
os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
import docker, pytest, requests, testcontainers.core.container, trustme, urllib3, yaml
sys.dont_write_bytecode = False
sys.pycache_prefix = sys.argv[1]
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            os.chdir(job["cwd"])
            os.environ.clear()
            os.environ.update(job["env"])
            out = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            sys.argv = ["pytest", *job["argv"]]
            code = int(pytest.main(job["argv"]))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class RunTimeout(RuntimeError):
    pass


class WarmPytest:
    """One warm server; ``run`` one pytest at a time in a child of it."""

    def __init__(self, cwd: Path, bytecode: Path) -> None:
        """A server for runs in ``cwd``, writing bytecode under ``bytecode`` (servers may share it)."""
        self.cwd = cwd
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(bytecode)],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)

    def _answer(self, deadline: float) -> dict[str, int]:
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            if self.selector.select(timeout=max(0.0, min(5.0, deadline - time.monotonic()))):
                line = self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the warm pytest server exited ({self.proc.wait()})")
                return json.loads(line)
        raise RunTimeout

    def run(self, argv: list[str], env: dict[str, str], log: Path, timeout: float) -> int:
        """pytest ``argv`` in a fresh child, its output to ``log``; its exit status.  A child still
        running after ``timeout`` seconds is killed and RunTimeout raised."""
        assert self.proc.stdin is not None
        job = {"argv": argv, "env": env, "cwd": str(self.cwd), "log": str(log)}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        pid = self._answer(deadline)["pid"]
        try:
            return self._answer(deadline)["code"]
        except RunTimeout:
            os.kill(pid, signal.SIGKILL)
            self._answer(time.monotonic() + 60)
            raise RunTimeout(f"pytest {' '.join(argv)} did not finish within {timeout:.0f}s (killed)") from None

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

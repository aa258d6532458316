"""Start and stop a real `ohlocal serve` for benchmarks: its own temp home, a free port,
stopped by pid."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT = 30.0


class Server:
    def __init__(self, url: str, pid: int, home: Path) -> None:
        self.url = url
        self.pid = pid
        self.home = home

    def rss_mib(self) -> float:
        """Resident memory of the server process, in MiB."""
        return rss_mib(self.pid)

    def podman_service_rss_mib(self) -> float | None:
        """Resident memory of the Podman API service the server started, if any."""
        pid_file = self.home / "podman" / "service.pid"
        return rss_mib(int(pid_file.read_text())) if pid_file.exists() else None


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@contextmanager
def running_server(*args: str) -> Iterator[Server]:
    """Run `ohlocal serve --port 0 ARGS...` until the block ends."""
    home = Path(tempfile.mkdtemp(prefix="ohl-bench-"))
    log = (home / "serve.log").open("w+")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ohlocal",
            "serve",
            "--port",
            "0",
            "--home",
            str(home),
            "--log-level",
            "warning",
            *args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = _wait_url(proc, home / "serve.log")
        yield Server(url, proc.pid, home)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def _wait_url(proc: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ohlocal serve exited:\n{log.read_text()}")
        match = re.search(r"serving on (http://\S+)", log.read_text())
        if match:
            url = match.group(1)
            try:
                if httpx.get(url + "/ready", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
        time.sleep(0.05)
    raise RuntimeError("ohlocal serve did not become ready")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

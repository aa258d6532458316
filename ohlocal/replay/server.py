"""A real `ohlocal serve` child process for replays and crash tests: its own home, a fixed
port after the first start (so clients keep their URLs across a restart), stopped by pid."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from pathlib import Path

START_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
_URL = re.compile(r"serving on (http://\S+)")
# Where `ohlocal serve` keeps the pid of the Podman service it started (podman_service.py).
PODMAN_PID_FILE = "podman/service.pid"


class ServerProcess:
    """`ohlocal serve --home HOME ARGS...`; `start()` once, then `kill()`/`start()` freely."""

    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        self.args = list(args)
        self.port = 0
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path:
        return self.home / "serve.log"

    def start(self) -> str:
        """Start the server and wait until `/ready` answers; returns its URL."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            offset = log.tell()
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "ohlocal", "serve", "--port", str(self.port)]
                + ["--home", str(self.home), "--log-level", "info", *self.args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            self.url = self._wait_ready(offset)
        except RuntimeError:
            self.stop()
            raise
        self.port = int(self.url.rsplit(":", 1)[1])
        self.starts += 1
        return self.url

    def _wait_ready(self, offset: int) -> str:
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"ohlocal serve exited:\n{self.log_tail()}")
            match = _URL.search(self.log_path.read_bytes()[offset:].decode(errors="replace"))
            if match and _ready(match.group(1)):
                return match.group(1)
            time.sleep(0.05)
        raise RuntimeError(f"ohlocal serve did not become ready:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the server process alone (its sandboxes and Podman service live on)."""
        if self._proc is None:
            return
        os.kill(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        self._proc = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT seconds; then the Podman service the
        server started, if a server that died before its shutdown left it running."""
        if self._proc is not None:
            os.kill(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            self._proc = None
        _stop_left_podman_service(self.home / PODMAN_PID_FILE)

    def restart_after_kill(self) -> None:
        self.kill()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _stop_left_podman_service(pid_file: Path) -> None:
    if not pid_file.exists():
        return
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    except (ValueError, ProcessLookupError):
        pass
    pid_file.unlink(missing_ok=True)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False

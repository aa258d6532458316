"""Process sandboxes: the helper runs as a local process in the workspace. No isolation."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from ohlocal.containers.base import (
    RuntimeState,
    SandboxLayout,
    StartedSandbox,
    run_root,
    shim_source_dir,
)
from ohlocal.containers.shim_client import ShimClient
from ohlocal.errors import BackendError
from ohlocal.models.server_info import BackendInfo

if TYPE_CHECKING:
    from ohlocal.settings import SandboxSpecConfig

logger = logging.getLogger(__name__)

READY_TIMEOUT = 10.0
PID_FILE = "shim.pid"
# Helpers this process started, by pid: kept so that remove() can reap them, and so that a
# running child's Popen is never garbage-collected (which warns "still running").
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _proc_state(pid) != "Z"


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


class ProcessBackend:
    """Runs each sandbox's helper as a child process in its own session."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._info = BackendInfo(name="process", isolated=False, pause_mode="signal")

    @property
    def info(self) -> BackendInfo:
        return self._info

    def working_dir(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> str:
        # NOTE: a process sandbox has no mount namespace, so its working dir is the host
        # workspace itself rather than the spec's working_dir.
        return str(layout.workspace)

    async def start(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> StartedSandbox:
        layout.workspace.mkdir(parents=True, exist_ok=True)
        layout.run_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            str(shim_source_dir() / "shim.py"),
            "--socket",
            str(layout.socket_path),
            "--workdir",
            str(layout.workspace),
        ]
        if spec.command:
            argv += ["--service-command", " ".join(spec.command)]
        env = {**os.environ, **spec.initial_env, "HOME": str(layout.workspace)}
        proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once, the child runs on its own
            argv,
            cwd=layout.workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _CHILDREN[proc.pid] = proc
        (layout.run_dir / PID_FILE).write_text(str(proc.pid))
        await _wait_ready(ShimClient(layout.socket_path), proc)
        return StartedSandbox(handle=str(proc.pid), worker_ports=[])

    async def state(self, handle: str) -> RuntimeState:
        pid = int(handle)
        if not _alive(pid):
            return RuntimeState.EXITED
        return RuntimeState.PAUSED if _proc_state(pid) == "T" else RuntimeState.RUNNING

    async def owned(self) -> dict[str, tuple[str, RuntimeState]]:
        found: dict[str, tuple[str, RuntimeState]] = {}
        for pid_file in run_root(self._home).glob(f"*/{PID_FILE}"):
            handle = pid_file.read_text().strip()
            found[pid_file.parent.name] = (handle, await self.state(handle))
        return found

    async def pause(self, handle: str, layout: SandboxLayout) -> str:
        _signal_session(int(handle), signal.SIGSTOP)
        return "signal"

    async def resume(self, handle: str, layout: SandboxLayout, pause_mode: str | None) -> None:
        _signal_session(int(handle), signal.SIGCONT)

    async def remove(self, handle: str) -> None:
        pid = int(handle)
        _signal_session(pid, signal.SIGCONT)
        _signal_session(pid, signal.SIGTERM)
        with anyio.move_on_after(3):
            while _alive(pid):
                await anyio.sleep(0.02)
        _signal_session(pid, signal.SIGKILL)
        _reap(pid)

    async def close(self) -> None:
        """Process sandboxes outlive the server, like containers do; nothing to stop."""


def _signal_session(pid: int, signum: int) -> None:
    """Signal every process of the sandbox: the helper leads its own session and group."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        raise BackendError(f"cannot signal process sandbox pid={pid}: {exc}") from exc


def _reap(pid: int) -> None:
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.poll()
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


async def _wait_ready(client: ShimClient, proc: subprocess.Popen[bytes]) -> None:
    with anyio.move_on_after(READY_TIMEOUT):
        while proc.poll() is None:
            try:
                await client.ping()
                return
            except BackendError:
                await anyio.sleep(0.01)
        raise BackendError(f"sandbox helper exited with code {proc.returncode} at start")
    raise BackendError(f"sandbox helper did not answer within {READY_TIMEOUT} s")

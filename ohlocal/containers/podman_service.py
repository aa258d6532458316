"""The Podman API service ohlocal talks to: its own containers.conf (PODMAN.md §1) and, unless
--podman-url names one, a `podman system service` it starts on its own socket and stops on exit."""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import subprocess
import time
from typing import TYPE_CHECKING

import httpx

from ohlocal.errors import BackendUnavailable

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

SERVICE_READY_TIMEOUT = 10.0
NPROC_CEILING = 32768  # podman 4.3 clamps its own RLIMIT_NPROC to this (PODMAN.md)

# CONTAINERS_CONF replaces Debian's file, so its two settings are repeated here.
_CONF_TEMPLATE = """\
# Written by ohlocal; containers created under it keep referring to this path.
[containers]
default_capabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
                        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
default_sysctls = ["net.ipv4.ping_group_range=0 0"]
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
exit_command_delay = 10

[network]
network_backend = "netavark"
"""


def host_ulimits() -> tuple[int, int]:
    """nofile = the hard NOFILE limit; nproc = the hard NPROC limit, at most 32768."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    if nofile == resource.RLIM_INFINITY:
        nofile = 1048576
    if nproc == resource.RLIM_INFINITY or nproc > NPROC_CEILING:
        nproc = NPROC_CEILING
    return nofile, nproc


def write_containers_conf(state_dir: Path) -> Path:
    """Write (or refresh) ohlocal's containers.conf and return its path."""
    state_dir.mkdir(parents=True, exist_ok=True)
    nofile, nproc = host_ulimits()
    path = state_dir / "containers.conf"
    text = _CONF_TEMPLATE.format(nofile=nofile, nproc=nproc)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def podman_env(conf: Path) -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


def ping(url: str, timeout: float = 1.0) -> bool:
    """True when a Podman API service answers /_ping at `url` (unix://... or http://...)."""
    try:
        if url.startswith("unix://"):
            transport = httpx.HTTPTransport(uds=url.removeprefix("unix://"))
            with httpx.Client(transport=transport, timeout=timeout) as client:
                return client.get("http://d/_ping").status_code == 200
        with httpx.Client(timeout=timeout) as client:
            return client.get(url.rstrip("/") + "/_ping").status_code == 200
    except httpx.HTTPError:
        return False


class PodmanService:
    """A `podman system service` owned by this ohlocal, found again after a crash by pid file."""

    def __init__(self, state_dir: Path, socket_path: Path) -> None:
        self.state_dir = state_dir
        self.socket_path = socket_path
        self.pid_file = state_dir / "service.pid"
        self.conf = write_containers_conf(state_dir)
        self.pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> str:
        """Start the service (or adopt ours from a previous run) and return its URL."""
        podman = shutil.which("podman")
        if podman is None:
            raise BackendUnavailable("podman is not installed (apt-get install podman runc)")
        if self._adopt():
            return self.url
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        # The child keeps its own copy of the log descriptor; ours is closed at once.
        with (self.state_dir / "service.log").open("ab") as log:
            proc = subprocess.Popen(
                [podman, "system", "service", "--time=0", self.url],
                env=podman_env(self.conf),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        # Kept so the child is reaped through its Popen (no "still running" warning at exit).
        self._proc = proc
        self.pid = proc.pid
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + SERVICE_READY_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BackendUnavailable(
                    f"podman system service exited with code {proc.returncode}; "
                    f"see {self.state_dir / 'service.log'}"
                )
            if self.socket_path.exists() and ping(self.url, timeout=0.5):
                logger.info("podman service started pid=%s socket=%s", proc.pid, self.socket_path)
                return self.url
            time.sleep(0.01)
        self.stop()
        raise BackendUnavailable(
            f"podman system service did not answer within {SERVICE_READY_TIMEOUT} s"
        )

    def _adopt(self) -> bool:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        if not ping(self.url, timeout=0.5):
            return False
        self.pid = pid
        logger.info("podman service adopted pid=%s socket=%s", pid, self.socket_path)
        return True

    def stop(self) -> None:
        """Stop the service by pid. Containers keep running under conmon."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
            for _ in range(200):
                if _reaped(self.pid):
                    break
                os.kill(self.pid, 0)
                time.sleep(0.01)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _reaped(self.pid)
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            # Reaped above by pid; tell the Popen object so it does not warn when collected.
            proc.returncode = 0
        self.pid_file.unlink(missing_ok=True)
        logger.info("podman service stopped pid=%s", self.pid)
        self.pid = None


def _reaped(pid: int) -> bool:
    """Reap `pid` if it is our exited child; True once it is gone."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid

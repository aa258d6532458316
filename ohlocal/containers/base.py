"""What a sandbox backend offers the services, whichever way it runs sandboxes."""

from __future__ import annotations

import enum
import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import msgspec

from ohlocal.containers.shim_client import SOCKET_NAME

if TYPE_CHECKING:
    from ohlocal.models.server_info import BackendInfo
    from ohlocal.settings import SandboxSpecConfig

# Unix socket paths are limited to 108 bytes; keep ours well below.
MAX_SOCKET_PATH = 100


class RuntimeState(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    EXITED = "exited"
    MISSING = "missing"


class SandboxLayout(msgspec.Struct, frozen=True):
    """Host directories that belong to one sandbox."""

    sandbox_id: str
    workspace: Path
    run_dir: Path

    @property
    def socket_path(self) -> Path:
        return self.run_dir / SOCKET_NAME


class StartedSandbox(msgspec.Struct, frozen=True):
    handle: str
    # Host ports published for the spec's worker ports, in the spec's order.
    worker_ports: list[int]


class Backend(Protocol):
    """A way to run sandboxes. Every method may raise BackendError."""

    @property
    def info(self) -> BackendInfo: ...

    def working_dir(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> str:
        """The sandbox's working directory as commands inside it see it."""
        ...

    async def start(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> StartedSandbox: ...

    async def state(self, handle: str) -> RuntimeState: ...

    async def owned(self) -> dict[str, tuple[str, RuntimeState]]:
        """Sandbox id -> (handle, state) for every sandbox of this ohlocal home."""
        ...

    async def pause(self, handle: str, layout: SandboxLayout) -> str:
        """Pause and return the pause mode used ("freezer", "signal" or "stop")."""
        ...

    async def resume(self, handle: str, layout: SandboxLayout, pause_mode: str | None) -> None: ...

    async def remove(self, handle: str) -> None: ...

    async def close(self) -> None: ...


def home_tag(home: Path) -> str:
    """A short stable tag of an ohlocal home, used in labels and in fallback run paths."""
    return hashlib.sha256(str(home).encode()).hexdigest()[:12]


def run_root(home: Path) -> Path:
    """Where sockets live: under the home, or under a short temp path when the home's path is
    too long for a unix socket (a sandbox id is 22 characters)."""
    root = home / "run"
    if len(str(root / ("x" * 22) / SOCKET_NAME)) > MAX_SOCKET_PATH:
        root = Path(tempfile.gettempdir()) / f"ohlocal-{home_tag(home)}"
    return root


def sandbox_layout(home: Path, sandbox_id: str) -> SandboxLayout:
    """The sandbox's workspace and its run directory (the helper's socket)."""
    return SandboxLayout(
        sandbox_id=sandbox_id,
        workspace=home / "workspaces" / sandbox_id,
        run_dir=run_root(home) / sandbox_id,
    )


def shim_source_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "sandbox"

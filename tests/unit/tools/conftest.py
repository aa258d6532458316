"""A process sandbox (the in-sandbox helper as a local process) for the tool tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

import anyio
import pytest

from ohlocal.containers.base import sandbox_layout, shim_source_dir
from ohlocal.errors import BackendError
from ohlocal.models.base import utc_now
from ohlocal.models.sandbox import SandboxRecord, SandboxStatus
from ohlocal.services.sandbox_service import SandboxRuntime
from ohlocal.tools import ToolHost

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def runtime(home: Path) -> AsyncIterator[SandboxRuntime]:
    """The helper runs as our own child process (as the process backend starts it), so the
    test can reap it."""
    layout = sandbox_layout(home, "toolsandbox")
    layout.workspace.mkdir(parents=True)
    layout.run_dir.mkdir(parents=True)
    argv = [sys.executable, str(shim_source_dir() / "shim.py"), "--socket"]
    proc = subprocess.Popen(  # noqa: ASYNC220 - returns at once; the helper runs on its own
        [*argv, str(layout.socket_path), "--workdir", str(layout.workspace)],
        env={**os.environ, "HOME": str(layout.workspace)},
        start_new_session=True,
    )
    record = SandboxRecord(
        id="toolsandbox",
        sandbox_spec_id="test",
        status=SandboxStatus.RUNNING,
        session_api_key="k",
        created_at=utc_now(),
        handle=str(proc.pid),
    )
    runtime = SandboxRuntime(record, layout, str(layout.workspace))
    with anyio.fail_after(10):
        while True:
            try:
                await runtime.shim.ping()
                break
            except BackendError:
                await anyio.sleep(0.02)
    yield runtime
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.fixture
async def host(runtime: SandboxRuntime) -> AsyncIterator[ToolHost]:
    tool_host = ToolHost(str(uuid.uuid4()), runtime, {}, no_change_timeout=1.0)
    yield tool_host
    await tool_host.close()

"""Where git runs for the git routes: inside a RUNNING sandbox through its helper, or on the
host workspace when the sandbox is paused.

NOTE: git runs inside the sandbox whenever it can. A repository's own config can name programs
(filters, fsmonitor, textconv, hooks), and the agent controls the repository, so git on the
host would run the agent's programs outside the sandbox. The host fallback, needed while the
sandbox is paused (the workspace stays readable through the bind mount), refuses a repository
whose config names any program and pins the settings that could start one.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import anyio
import anyio.to_thread

from ohlocal.errors import Conflict
from ohlocal.services.file_service import resolve_in_workspace

if TYPE_CHECKING:
    from ohlocal.services.sandbox_service import SandboxRuntime

logger = logging.getLogger(__name__)

GIT_TIMEOUT = 60.0
# Settings that make git start a program, or look outside the worktree.
_RISKY_CONFIG = re.compile(
    r"^(filter\.|core\.fsmonitor|core\.hookspath|core\.pager|core\.worktree|core\.sshcommand|"
    r"core\.gitproxy|diff\..*\.(textconv|command)|merge\..*\.driver|include|includeif|"
    r"uploadpack\.|gpg\.)",
    re.IGNORECASE,
)
_PINNED = [
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "safe.directory=*",
]  # fmt: skip


class GitRunner(Protocol):
    async def git(self, args: list[str], cwd: str) -> tuple[int, str, str]:
        """Run git with `args` in sandbox directory `cwd`: (exit code, stdout, stderr)."""
        ...

    async def read_text(self, path: str) -> str | None:
        """The text of sandbox file `path`; None when it is missing or not a file."""
        ...


class ShimGitRunner:
    """git inside the sandbox, through its helper."""

    def __init__(self, runtime: SandboxRuntime) -> None:
        self._runtime = runtime

    async def git(self, args: list[str], cwd: str) -> tuple[int, str, str]:
        command = shlex.join(["git", "--no-pager", *args])
        env = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        # A missing cwd is reported by the helper as an error; `cd` turns it into an exit code.
        script = f"cd -- {shlex.quote(cwd)} 2>/dev/null || exit 128; {command}"
        return await self._runtime.shim.exec(script, env=env, timeout=GIT_TIMEOUT)

    async def read_text(self, path: str) -> str | None:
        quoted = shlex.quote(path)
        code, out, _ = await self._runtime.shim.exec(
            f"test -f {quoted} && cat -- {quoted}", timeout=GIT_TIMEOUT
        )
        return out if code == 0 else None


class HostGitRunner:
    """git on the host workspace, for a sandbox that is not running."""

    def __init__(self, runtime: SandboxRuntime) -> None:
        self._runtime = runtime

    def _host_dir(self, cwd: str) -> Path | None:
        host = resolve_in_workspace(self._runtime, cwd)
        if host is None:
            raise Conflict(
                f"sandbox '{self._runtime.record.id}' is not running; "
                f"only its workspace can be read: {cwd}"
            )
        return host if host.is_dir() else None

    async def git(self, args: list[str], cwd: str) -> tuple[int, str, str]:
        host = self._host_dir(cwd)
        if host is None:
            return 128, "", "not a directory"
        return await anyio.to_thread.run_sync(self._run_checked, args, host)

    def _run_checked(self, args: list[str], host: Path) -> tuple[int, str, str]:
        root = self._runtime.layout.workspace.resolve()
        code, out, _ = _run_host(["rev-parse", "--absolute-git-dir"], host, root)
        git_dir = Path(out.strip())
        if code == 0 and git_dir != root and root not in git_dir.parents:
            raise Conflict("the repository's git directory lies outside the workspace")
        code, out, _ = _run_host(["config", "--local", "--name-only", "--list"], host, root)
        risky = [name for name in out.splitlines() if _RISKY_CONFIG.match(name)]
        if code == 0 and risky:
            raise Conflict(
                "the repository's config names programs "
                f"({', '.join(sorted(risky)[:3])}); start the sandbox to read it"
            )
        return _run_host(args, host, root)

    async def read_text(self, path: str) -> str | None:
        host = resolve_in_workspace(self._runtime, path)
        if host is None or not host.is_file():
            return None
        data = await anyio.Path(host).read_bytes()
        return data.decode("utf-8", errors="replace")


def _run_host(args: list[str], host: Path, workspace: Path) -> tuple[int, str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "HOME": str(host),
        "LC_ALL": "C",
    }
    # Keep git from finding a repository above the workspace.
    env["GIT_CEILING_DIRECTORIES"] = str(workspace.parent)
    proc = subprocess.run(
        ["git", "--no-pager", *_PINNED, *args],
        cwd=host,
        env=env,
        capture_output=True,
        timeout=GIT_TIMEOUT,
        check=False,
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", errors="replace"),
        proc.stderr.decode("utf-8", errors="replace"),
    )

"""The repository steps of a start task: clone on the host into the sandbox's bind-mounted
workspace, run `.openhands/setup.sh` inside the sandbox, install `.openhands/pre-commit.sh`
as the git pre-commit hook."""

from __future__ import annotations

import logging
import re
import stat
import subprocess
from typing import TYPE_CHECKING

import anyio

from ohlocal.errors import StartTaskFailed

if TYPE_CHECKING:
    from pathlib import Path

    from ohlocal.models.app_conversation import ProviderType
    from ohlocal.services.sandbox_service import SandboxRuntime

logger = logging.getLogger(__name__)

CLONE_TIMEOUT = 600.0
SETUP_TIMEOUT = 1800.0
# How much of a failing command's output the ERROR detail keeps (its end).
DETAIL_OUTPUT_CHARS = 4000
SETUP_SCRIPT = ".openhands/setup.sh"
PRE_COMMIT_SCRIPT = ".openhands/pre-commit.sh"
_PROVIDER_HOSTS = {
    "github": "https://github.com",
    "gitlab": "https://gitlab.com",
    "bitbucket": "https://bitbucket.org",
}
_OWNER_REPO = re.compile(r"^[\w.-]+(/[\w.-]+)+$")
HOOK = """#!/bin/sh
# Installed by ohlocal: runs the repository's .openhands/pre-commit.sh.
top="$(git rev-parse --show-toplevel)" || exit 1
if [ -x "$top/.git/hooks/pre-commit.local" ]; then
    "$top/.git/hooks/pre-commit.local" "$@" || exit $?
fi
exec bash "$top/.openhands/pre-commit.sh" "$@"
"""


# GAP: no provider tokens: private repositories need credentials set up for the host's git;
# closes with provider-token settings (docs/compatibility.md, app conversations).
def clone_source(repository: str, provider: ProviderType | None) -> str:
    """What `git clone` gets: a local path, a `file://` or network URL as given, and
    `owner/repo` on the provider's host (GitHub when none is named)."""
    if repository.startswith("file://"):
        return repository[len("file://") :]
    if "://" in repository or repository.startswith("git@") or repository.startswith("/"):
        return repository
    if _OWNER_REPO.match(repository):
        host = _PROVIDER_HOSTS.get(
            provider.value if provider else "github", _PROVIDER_HOSTS["github"]
        )
        return f"{host}/{repository}.git"
    return repository


def repository_name(repository: str) -> str:
    name = repository.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git") or "project"


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= DETAIL_OUTPUT_CHARS else "..." + text[-DETAIL_OUTPUT_CHARS:]


async def _git(args: list[str], cwd: Path | None = None) -> tuple[int, str]:
    with anyio.fail_after(CLONE_TIMEOUT):
        done = await anyio.run_process(
            ["git", *args], cwd=cwd, check=False, stderr=subprocess.STDOUT
        )
    return done.returncode, done.stdout.decode("utf-8", "replace")


async def clone_repository(
    workspace: Path, repository: str, branch: str | None, provider: ProviderType | None
) -> Path:
    """Clone into `workspace/<name>` (or check out `branch` in an existing clone) and return
    the clone's host path."""
    target = workspace / repository_name(repository)
    if (target / ".git").exists():
        if branch:
            code, out = await _git(["checkout", branch], cwd=target)
            if code != 0:
                raise StartTaskFailed(f"git checkout {branch} failed: {_tail(out)}")
        return target
    args = ["clone", "--quiet"]
    if branch:
        args += ["--branch", branch]
    try:
        code, out = await _git([*args, "--", clone_source(repository, provider), str(target)])
    except TimeoutError:
        raise StartTaskFailed(f"git clone of {repository} timed out") from None
    if code != 0:
        raise StartTaskFailed(f"git clone of {repository} failed: {_tail(out)}")
    logger.info("repository cloned repository=%s branch=%s", repository, branch)
    return target


async def run_setup_script(runtime: SandboxRuntime, project: str, project_host: Path) -> None:
    """Run the project's setup script in the sandbox; StartTaskFailed with its output when it
    fails."""
    if not (project_host / SETUP_SCRIPT).is_file():
        return
    code, out, err = await runtime.shim.exec(
        f"bash {SETUP_SCRIPT}", cwd=project, timeout=SETUP_TIMEOUT
    )
    if code != 0:
        output = _tail(out + err)
        raise StartTaskFailed(f"{SETUP_SCRIPT} failed with exit code {code}: {output}")
    logger.info("setup script ran sandbox_id=%s project=%s", runtime.record.id, project)


def install_git_hooks(project_host: Path) -> bool:
    """Install the pre-commit hook when the project has `.openhands/pre-commit.sh`; an existing
    hook of the repository is kept as `pre-commit.local` and runs first."""
    hooks = project_host / ".git" / "hooks"
    if not (project_host / PRE_COMMIT_SCRIPT).is_file() or not (project_host / ".git").is_dir():
        return False
    hooks.mkdir(parents=True, exist_ok=True)
    hook = hooks / "pre-commit"
    if hook.exists() and "Installed by ohlocal" not in hook.read_text(errors="replace"):
        hook.rename(hooks / "pre-commit.local")
    hook.write_text(HOOK)
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return True

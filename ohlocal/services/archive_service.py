"""Workspace archives: a tar.gz of a directory's files, or a git patch of its changes.

Archives are built in a temporary file outside the archived directory, streamed, then removed,
as the reference does. Only directories in the workspace can be archived, so archives work
while the sandbox is paused.
"""

from __future__ import annotations

import fnmatch
import os
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from ohlocal.errors import BadRequest, PathNotAllowed, WorkspaceFileNotFound
from ohlocal.models.file import ArchiveFormat
from ohlocal.services.file_service import (
    Download,
    new_temp_file,
    resolve_in_workspace,
    temp_file_download,
)
from ohlocal.services.git_service import EMPTY_TREE, GitService

if TYPE_CHECKING:
    from ohlocal.services.sandbox_service import SandboxService

# GAP: the reference's exact built-in exclude list is not published in its schema; this one
# covers the usual dependency, cache and build folders. Closing it needs the reference source.
DEFAULT_EXCLUDES = (
    "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".tox", ".next", "dist", "build", "target", ".cache",
)  # fmt: skip
# How deep a non-repository directory is searched for the one repository it holds.
REPO_SEARCH_DEPTH = 3


class ArchiveService:
    def __init__(self, sandboxes: SandboxService, git: GitService, tmp_dir: Path) -> None:
        self._sandboxes = sandboxes
        self._git = git
        self._tmp_dir = tmp_dir

    async def archive_directory(
        self,
        sandbox_id: str,
        path: str,
        format: ArchiveFormat,
        base_ref: str | None,
        use_default_excludes: bool,
        exclude: list[str],
    ) -> Download:
        runtime = await self._sandboxes.workspace_runtime(sandbox_id)
        host = resolve_in_workspace(runtime, path)
        if host is None:
            raise PathNotAllowed(path, "Only directories in the workspace can be archived")
        if not host.is_dir():
            raise WorkspaceFileNotFound(path)
        repo = await anyio.to_thread.run_sync(
            _single_repository, host, runtime.layout.workspace.resolve()
        )
        if repo is not None:
            path = str(Path(runtime.working_dir) / repo.relative_to(runtime.layout.workspace))
            host = repo
        patterns = [*(DEFAULT_EXCLUDES if use_default_excludes else ()), *exclude]
        target = new_temp_file(self._tmp_dir, ".archive")
        try:
            if format is ArchiveFormat.TAR_GZ:
                await anyio.to_thread.run_sync(_write_tar, host, target, patterns)
                filename = f"{host.name or 'workspace'}.tar.gz"
            else:
                patch = await self._git_delta(sandbox_id, path, base_ref)
                await anyio.Path(target).write_text(patch)
                filename = f"{host.name or 'workspace'}.patch"
        except BaseException:
            await anyio.Path(target).unlink(missing_ok=True)
            raise
        return await temp_file_download(filename, target)

    async def _git_delta(self, sandbox_id: str, path: str, base_ref: str | None) -> str:
        """A patch of the working tree against `base_ref` (auto-detected when None), new files
        included, that `git apply` can replay on the base."""
        runner = await self._git.runner(sandbox_id)
        code, out, _ = await runner.git(["rev-parse", "--show-toplevel"], path)
        if code != 0:
            raise BadRequest(f"git-delta needs a git repository: {path}")
        top = out.strip()
        base = base_ref
        if base is None:
            code, _, _ = await runner.git(["rev-parse", "--verify", "-q", "HEAD"], top)
            base = "HEAD" if code == 0 else EMPTY_TREE
        code, patch, err = await runner.git(["diff", "--binary", base], top)
        if code != 0:
            raise BadRequest(f"git diff against '{base}' failed: {err.strip()}")
        _, out, _ = await runner.git(["ls-files", "--others", "--exclude-standard", "-z"], top)
        # GAP: the patch is assembled in memory; a workspace with huge new files makes it big.
        for new_file in (p for p in out.split("\0") if p):
            _, piece, _ = await runner.git(
                ["diff", "--binary", "--no-index", "--", "/dev/null", new_file], top
            )
            patch += piece
        return patch


def _excluded(name: str, relative: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(name, p.rstrip("/")) or fnmatch.fnmatch(relative, p.rstrip("/"))
        for p in patterns
    )


def _write_tar(root: Path, target: Path, patterns: list[str]) -> None:
    """Write a tar.gz of `root`; symlinks are stored as links, never followed."""
    with tarfile.open(target, "w:gz") as archive:
        for folder, dirs, files in os.walk(root, followlinks=False):
            relative_dir = os.path.relpath(folder, root)
            dirs[:] = sorted(
                d for d in dirs if not _excluded(d, os.path.join(relative_dir, d), patterns)
            )
            for name in sorted(files) + [
                d for d in dirs if os.path.islink(os.path.join(folder, d))
            ]:
                relative = os.path.normpath(os.path.join(relative_dir, name))
                if not _excluded(name, relative, patterns):
                    archive.add(os.path.join(folder, name), arcname=relative, recursive=False)


def _single_repository(root: Path, workspace: Path) -> Path | None:
    """The one git repository under a non-repository `root` (a few levels down), if exactly
    one exists; None when `root` is itself in a repository or holds zero or several."""
    inside = [root, *(p for p in root.parents if p == workspace or workspace in p.parents)]
    if any((p / ".git").exists() for p in inside):
        return None
    found: list[Path] = []
    for folder, dirs, _ in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        if (Path(folder) / ".git").exists() and folder != str(root):
            found.append(Path(folder))
            dirs[:] = []
            continue
        dirs[:] = [
            d for d in dirs
            if depth < REPO_SEARCH_DEPTH and not d.startswith(".") and d not in DEFAULT_EXCLUDES
        ]  # fmt: skip
    return found[0] if len(found) == 1 else None

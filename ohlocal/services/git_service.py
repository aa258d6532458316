"""Git changes, diffs and commits of a repository in a sandbox; git_runner says where git runs."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ohlocal.errors import BadRequest, NotFound, SandboxNotRunning
from ohlocal.models.git import GitChange, GitChangeStatus, GitCommit, GitCommitsPage, GitDiff
from ohlocal.services.file_service import check_sandbox_path
from ohlocal.services.git_runner import GitRunner, HostGitRunner, ShimGitRunner

if TYPE_CHECKING:
    from ohlocal.services.sandbox_service import SandboxService

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
# Tried in order when no ref is given; the first that exists is the base of the changes.
_UPSTREAM_CANDIDATES = ("@{upstream}", "origin/HEAD", "origin/main", "origin/master")
_STATUS = {
    "A": GitChangeStatus.ADDED,
    "C": GitChangeStatus.ADDED,
    "D": GitChangeStatus.DELETED,
    "M": GitChangeStatus.UPDATED,
    "T": GitChangeStatus.UPDATED,
    "R": GitChangeStatus.MOVED,
}
_FIELD = "\x1f"


class GitService:
    def __init__(self, sandboxes: SandboxService) -> None:
        self._sandboxes = sandboxes

    async def runner(self, sandbox_id: str) -> GitRunner:
        """git in the sandbox while it runs, else on its host workspace."""
        try:
            return ShimGitRunner(await self._sandboxes.runtime(sandbox_id))
        except SandboxNotRunning:
            return HostGitRunner(await self._sandboxes.workspace_runtime(sandbox_id))

    async def git_changes(self, sandbox_id: str, path: str, ref: str | None) -> list[GitChange]:
        """Files changed in the working tree of the repository at `path`, against `ref` (the
        upstream branch, else HEAD, when omitted); [] when `path` is not in a repository."""
        runner = await self.runner(sandbox_id)
        path = check_sandbox_path(path)
        top = await _toplevel(runner, path)
        if top is None:
            return []
        base = ref or await _default_base(runner, top)
        code, out, err = await runner.git(["diff", "--name-status", "-z", "-M", base], top)
        if code != 0:
            raise BadRequest(f"git diff against '{base}' failed: {err.strip()}")
        changes = _parse_name_status(out)
        code, out, _ = await runner.git(["ls-files", "--others", "--exclude-standard", "-z"], top)
        changes += [GitChange(status=GitChangeStatus.ADDED, path=p) for p in out.split("\0") if p]
        return sorted(changes, key=lambda change: change.path)

    async def git_diff(
        self, sandbox_id: str, path: str, ref: str | None, commit: str | None
    ) -> GitDiff:
        """A file's text before and after: against `ref` in the working tree, or as `commit`
        changed it."""
        if ref is not None and commit is not None:
            raise BadRequest("'ref' and 'commit' are mutually exclusive")
        runner = await self.runner(sandbox_id)
        path = check_sandbox_path(path)
        modified: str | None
        top = await _toplevel(runner, posixpath.dirname(path))
        if top is None:
            raise BadRequest(f"Not a git repository: {path}")
        relative = posixpath.relpath(path, top)
        if commit is not None:
            original = await _show(runner, top, f"{commit}^", relative)
            modified = await _show(runner, top, commit, relative)
        else:
            original = await _show(runner, top, ref or await _default_base(runner, top), relative)
            modified = await runner.read_text(path)
        # NOTE: the reference drops the final newline of both texts (git_changes_diff.json).
        return GitDiff(modified=_trim(modified), original=_trim(original))

    async def git_commits(self, sandbox_id: str, path: str, limit: int) -> GitCommitsPage:
        """The newest `limit` commits of the repository at `path`."""
        runner = await self.runner(sandbox_id)
        top = await _toplevel(runner, check_sandbox_path(path))
        if top is None:
            return GitCommitsPage(commits=[], has_more=False)
        fmt = _FIELD.join(("%H", "%h", "%s", "%an", "%aI"))
        code, out, _ = await runner.git(["log", f"-n{limit + 1}", f"--format={fmt}"], top)
        commits = []
        for line in out.splitlines() if code == 0 else []:
            sha, short_sha, subject, author, timestamp = line.split(_FIELD)
            commits.append(
                GitCommit(
                    sha=sha,
                    short_sha=short_sha,
                    subject=subject,
                    author=author,
                    timestamp=timestamp,
                )
            )
        return GitCommitsPage(commits=commits[:limit], has_more=len(commits) > limit)

    async def git_commit_changes(self, sandbox_id: str, path: str, sha: str) -> list[GitChange]:
        """The files commit `sha` changed against its first parent."""
        runner = await self.runner(sandbox_id)
        top = await _toplevel(runner, check_sandbox_path(path))
        if top is None:
            raise BadRequest(f"Not a git repository: {path}")
        code, _, _ = await runner.git(["cat-file", "-e", f"{sha}^{{commit}}"], top)
        if code != 0:
            raise NotFound(f"commit '{sha}' not found")
        code, _, _ = await runner.git(["rev-parse", "--verify", "-q", f"{sha}^"], top)
        parent = f"{sha}^" if code == 0 else EMPTY_TREE
        code, out, err = await runner.git(["diff", "--name-status", "-z", "-M", parent, sha], top)
        if code != 0:
            raise BadRequest(f"git diff of commit '{sha}' failed: {err.strip()}")
        return sorted(_parse_name_status(out), key=lambda change: change.path)


async def _toplevel(runner: GitRunner, path: str) -> str | None:
    code, out, _ = await runner.git(["rev-parse", "--show-toplevel"], path)
    return out.strip() if code == 0 and out.strip() else None


async def _default_base(runner: GitRunner, top: str) -> str:
    for candidate in _UPSTREAM_CANDIDATES:
        code, out, _ = await runner.git(["merge-base", "HEAD", candidate], top)
        if code == 0 and out.strip():
            return out.strip()
    code, _, _ = await runner.git(["rev-parse", "--verify", "-q", "HEAD"], top)
    return "HEAD" if code == 0 else EMPTY_TREE


async def _show(runner: GitRunner, top: str, rev: str, relative: str) -> str:
    code, out, _ = await runner.git(["show", f"{rev}:{relative}"], top)
    return out if code == 0 else ""


def _trim(text: str | None) -> str:
    return (text or "").removesuffix("\n")


def _parse_name_status(out: str) -> list[GitChange]:
    """Parse `git diff --name-status -z`: a status field, then one path (two for R and C)."""
    fields = [f for f in out.split("\0")]
    changes: list[GitChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        letter = fields[index][0]
        paths = 2 if letter in ("R", "C") else 1
        target = fields[index + paths]
        changes.append(GitChange(status=_STATUS.get(letter, GitChangeStatus.UPDATED), path=target))
        index += 1 + paths
    return changes

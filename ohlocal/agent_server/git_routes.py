"""`{AGENT_SERVER}/api/git` and `/api/conversations/{runtime_conversation_id}/git`: changes,
diffs and commits of a repository in the sandbox (or in one conversation's workspace)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, Parameter, QueryParameter

from ohlocal.agent_server.conversation_scope import SCOPE_PREFIX, resolve_conversation_scope
from ohlocal.agent_server.dependencies import GIT
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.models.git import GitChange, GitCommitsPage, GitDiff
from ohlocal.services.git_service import GitService

SHA_PATTERN = r"^[0-9a-fA-F]{4,64}$"
RepoPath = Annotated[str, Parameter(description="The git repository path")]
FilePath = Annotated[str, Parameter(description="The file path to get diff for")]
Ref = Annotated[str | None, Parameter(description="A git ref to compare with (default: upstream)")]
Commit = Annotated[str | None, Parameter(pattern=SHA_PATTERN, description="A commit SHA")]


class GitController(Controller):
    path = AGENT_PREFIX + "/api/git"
    tags = ["Git"]
    dependencies = GIT

    @get("/changes")
    async def git_changes(
        self,
        git_service: NamedDependency[GitService],
        sandbox_id: FromPath[str],
        path: FromQuery[RepoPath],
        ref: FromQuery[Ref] = None,
    ) -> list[GitChange]:
        """Files changed in the repository's working tree."""
        return await git_service.git_changes(sandbox_id, path, ref)

    # NOTE: the path forms are not in the 1.58.2 schema; older clients used them.
    @get("/changes/{repo_path:path}")
    async def git_changes_by_path(
        self,
        git_service: NamedDependency[GitService],
        sandbox_id: FromPath[str],
        repo_path: FromPath[str],
        ref: FromQuery[Ref] = None,
    ) -> list[GitChange]:
        """Files changed in the working tree of the repository at the path in the URL."""
        return await git_service.git_changes(sandbox_id, repo_path, ref)

    @get("/diff")
    async def git_diff(
        self,
        git_service: NamedDependency[GitService],
        sandbox_id: FromPath[str],
        path: FromQuery[FilePath],
        ref: FromQuery[Ref] = None,
        commit: FromQuery[Commit] = None,
    ) -> GitDiff:
        """A file's text before and after (against `ref`, or as `commit` changed it)."""
        return await git_service.git_diff(sandbox_id, path, ref, commit)

    @get("/diff/{file_path:path}")
    async def git_diff_by_path(
        self,
        git_service: NamedDependency[GitService],
        sandbox_id: FromPath[str],
        file_path: FromPath[str],
        ref: FromQuery[Ref] = None,
        commit: FromQuery[Commit] = None,
    ) -> GitDiff:
        """A file's text before and after, for the file at the path in the URL."""
        return await git_service.git_diff(sandbox_id, file_path, ref, commit)

    @get("/commits")
    async def git_commits(
        self,
        git_service: NamedDependency[GitService],
        sandbox_id: FromPath[str],
        path: FromQuery[RepoPath],
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> GitCommitsPage:
        """The repository's most recent commits, newest first."""
        return await git_service.git_commits(sandbox_id, path, limit)

    @get("/commits/{sha:str}/changes")
    async def git_commit_changes(
        self,
        git_service: NamedDependency[GitService],
        sandbox_id: FromPath[str],
        sha: FromPath[str],
        path: FromQuery[RepoPath],
    ) -> list[GitChange]:
        """The files one commit changed against its first parent."""
        return await git_service.git_commit_changes(sandbox_id, path, sha)


class ConversationGitController(GitController):
    """The same routes for one conversation; every path must lie in its workspace."""

    path = SCOPE_PREFIX + "/git"
    before_request = staticmethod(resolve_conversation_scope)

"""Git wire models: `GitChange`, `GitDiff`, `GitCommit`, `GitCommitsPage`."""

from __future__ import annotations

import enum

from ohlocal.models.base import Model


class GitChangeStatus(enum.StrEnum):
    MOVED = "MOVED"
    ADDED = "ADDED"
    DELETED = "DELETED"
    UPDATED = "UPDATED"


class GitChange(Model, kw_only=True):
    status: GitChangeStatus
    path: str


class GitDiff(Model, kw_only=True):
    modified: str | None
    original: str | None


class GitCommit(Model, kw_only=True):
    sha: str
    short_sha: str
    subject: str
    author: str
    timestamp: str


class GitCommitsPage(Model, kw_only=True):
    commits: list[GitCommit]
    has_more: bool

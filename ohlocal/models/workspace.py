"""Wire models of the App Server's workspace listing (an ohlocal addition)."""

from __future__ import annotations

import enum

from ohlocal.models.base import Model


class WorkspaceEntryType(enum.StrEnum):
    FILE = "file"
    DIRECTORY = "directory"
    # A link is listed as itself and never followed.
    SYMLINK = "symlink"
    OTHER = "other"


class WorkspaceEntry(Model, kw_only=True):
    name: str
    # Absolute path in the sandbox, as the agent file routes take it.
    path: str
    type: WorkspaceEntryType
    size: int
    # UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, like `created_at` elsewhere.
    modified: str

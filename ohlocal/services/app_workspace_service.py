"""What an app conversation leaves behind, read without its sandbox: the trajectory zip, the
workspace zip and directory listings. Events come from SQLite and files from the host side of
the bind-mounted workspace, which ohlocal keeps when a sandbox is deleted."""

from __future__ import annotations

import os
import posixpath
import stat
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from ohlocal.containers.base import sandbox_layout
from ohlocal.errors import BadRequest, PathNotAllowed, WorkspaceFileNotFound
from ohlocal.models.conversation import utc_iso
from ohlocal.models.workspace import WorkspaceEntry, WorkspaceEntryType
from ohlocal.services.file_service import (
    new_temp_file,
    resolve_workspace_path,
    temp_file_download,
)

if TYPE_CHECKING:
    from ohlocal.models.app_conversation import AppConversationRecord
    from ohlocal.services.app_conversation_service import AppConversationService
    from ohlocal.services.file_service import Download
    from ohlocal.services.trajectory_service import TrajectoryService

GIT_DIR = ".git"
# Unix mode bits of a symlink entry in a zip (stored in the high half of external_attr).
ZIP_SYMLINK = (stat.S_IFLNK | 0o777) << 16


class AppWorkspaceService:
    def __init__(
        self,
        app_conversations: AppConversationService,
        trajectories: TrajectoryService,
        home: Path,
    ) -> None:
        self._app_conversations = app_conversations
        self._trajectories = trajectories
        self._home = home

    async def _existing(self, conversation_id: uuid.UUID) -> AppConversationRecord:
        return await self._app_conversations.get_record(
            conversation_id.hex, f"Conversation {conversation_id} not found"
        )

    def _workspace(self, record: AppConversationRecord) -> Path:
        return sandbox_layout(self._home, record.sandbox_id).workspace

    async def download_trajectory(self, conversation_id: uuid.UUID) -> Download:
        """The agent-server trajectory zip of the app conversation."""
        record = await self._existing(conversation_id)
        return await self._trajectories.download_trajectory(uuid.UUID(record.id))

    async def download_workspace(self, conversation_id: uuid.UUID, include_git: bool) -> Download:
        """A zip of the conversation's workspace; `.git` is left out unless `include_git`.
        Symlinks are stored as links, never followed."""
        record = await self._existing(conversation_id)
        root = self._workspace(record)
        if not await anyio.Path(root).is_dir():
            raise WorkspaceFileNotFound(record.working_dir)
        target = new_temp_file(self._home / "tmp", ".zip")
        try:
            await anyio.to_thread.run_sync(_write_workspace_zip, root, target, include_git)
        except BaseException:
            await anyio.Path(target).unlink(missing_ok=True)
            raise
        return await temp_file_download(f"workspace_{record.id}.zip", target)

    async def list_files(
        self, conversation_id: uuid.UUID, path: str | None
    ) -> list[WorkspaceEntry]:
        """The entries of a workspace directory (the working dir when `path` is None), by name.

        Raises:
            PathNotAllowed: `path` is relative, holds `..`, or lies outside the workspace.
            PathEscapes: its symlinks lead out of the workspace.
            WorkspaceFileNotFound: no such directory.
        """
        record = await self._existing(conversation_id)
        path = path or record.working_dir
        host = resolve_workspace_path(self._workspace(record), record.working_dir, path)
        if host is None:
            raise PathNotAllowed(path, "Only paths in the workspace can be listed")
        if not await anyio.Path(host).exists():
            raise WorkspaceFileNotFound(path)
        if not await anyio.Path(host).is_dir():
            raise BadRequest(f"Not a directory: {path}")
        return await anyio.to_thread.run_sync(_list, host, posixpath.normpath(path))


def _entry_type(mode: int) -> WorkspaceEntryType:
    if stat.S_ISLNK(mode):
        return WorkspaceEntryType.SYMLINK
    if stat.S_ISDIR(mode):
        return WorkspaceEntryType.DIRECTORY
    if stat.S_ISREG(mode):
        return WorkspaceEntryType.FILE
    return WorkspaceEntryType.OTHER


def _list(host: Path, path: str) -> list[WorkspaceEntry]:
    entries = []
    with os.scandir(host) as found:
        for item in found:
            info = item.stat(follow_symlinks=False)
            entries.append(
                WorkspaceEntry(
                    name=item.name,
                    path=posixpath.join(path, item.name),
                    type=_entry_type(info.st_mode),
                    size=info.st_size,
                    modified=utc_iso(datetime.fromtimestamp(info.st_mtime, UTC)),
                )
            )
    return sorted(entries, key=lambda entry: entry.name)


def _write_workspace_zip(root: Path, target: Path, include_git: bool) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, dirs, files in os.walk(root, followlinks=False):
            relative_dir = Path(folder).relative_to(root)
            links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
            dirs[:] = sorted(d for d in dirs if d not in links and (include_git or d != GIT_DIR))
            for name in sorted([*files, *links]):
                if name == GIT_DIR and not include_git:
                    continue
                _add(archive, Path(folder) / name, (relative_dir / name).as_posix())


def _add(archive: zipfile.ZipFile, source: Path, name: str) -> None:
    if source.is_symlink():
        link = zipfile.ZipInfo(name)
        link.external_attr = ZIP_SYMLINK
        archive.writestr(link, os.readlink(source))
    elif source.is_file():
        archive.write(source, name)

"""Trajectory zips: a conversation laid out as the reference persists it, built from SQLite so
that it can be downloaded in any sandbox status, deleted included."""

from __future__ import annotations

import json
import zipfile
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from ohlocal.errors import ConversationNotFound, TrajectoryNotFound
from ohlocal.services.file_service import new_temp_file, temp_file_download
from ohlocal.store.event_store import EventFilter

if TYPE_CHECKING:
    import uuid
    from pathlib import Path

    from ohlocal.services.event_log import EventLog
    from ohlocal.services.file_service import Download

# Events read from the store per round trip while the zip is written.
EVENT_PAGE = 500


class TrajectoryService:
    def __init__(self, log: EventLog, tmp_dir: Path) -> None:
        self._log = log
        self._tmp_dir = tmp_dir

    async def download_trajectory(
        self, conversation_id: uuid.UUID, sandbox_id: str | None = None
    ) -> Download:
        """The zip of `<hex id>/base_state.json` and `<hex id>/events/event-NNNNN-<id>.json`,
        as the reference lays out a conversation directory; secrets are redacted.

        Args:
            sandbox_id: when given, the conversation must belong to this sandbox.

        Raises:
            TrajectoryNotFound: no such conversation (in that sandbox).
        """
        try:
            live = await self._log.live(conversation_id)
        except ConversationNotFound:
            raise TrajectoryNotFound(str(conversation_id)) from None
        if sandbox_id is not None and live.record.sandbox_id != sandbox_id:
            raise TrajectoryNotFound(str(conversation_id))
        folder = conversation_id.hex
        snapshot = await self._log.full_state_event(conversation_id)
        target = new_temp_file(self._tmp_dir, ".zip")
        try:
            archive = await anyio.to_thread.run_sync(
                zipfile.ZipFile, target, "w", zipfile.ZIP_DEFLATED
            )
            try:
                state = json.dumps(snapshot.value, indent=2).encode()
                await anyio.to_thread.run_sync(archive.writestr, f"{folder}/base_state.json", state)
                await self._write_events(archive, live.record.id, folder)
            finally:
                await anyio.to_thread.run_sync(archive.close)
        except BaseException:
            await anyio.Path(target).unlink(missing_ok=True)
            raise
        return await temp_file_download(f"{folder}.zip", target)

    async def _write_events(
        self, archive: zipfile.ZipFile, conversation_id: str, folder: str
    ) -> None:
        """One file per event, in log order, without null fields (as the reference stores them)."""
        index, after_seq = 0, None
        while True:
            page = await self._log.events.search(
                conversation_id, EventFilter(), after_seq, desc=False, limit=EVENT_PAGE
            )
            members = []
            for record in page:
                members.append((f"{folder}/events/event-{index:05d}-{record.id}.json", record.json))
                index += 1
            await anyio.to_thread.run_sync(_write_members, archive, members)
            if len(page) < EVENT_PAGE:
                return
            after_seq = page[-1].seq + 1


def _write_members(archive: zipfile.ZipFile, members: list[tuple[str, bytes]]) -> None:
    for name, data in members:
        archive.writestr(name, data)

"""Events of app conversations through the App Server: search, count, batch get, messages and
the zip export. Read from SQLite, so they work in any sandbox status, deleted included."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import TYPE_CHECKING

import anyio
import msgspec

from ohlocal.errors import BadRequest, ConversationNotFound
from ohlocal.models.app_conversation import LIVE_FIELDS
from ohlocal.models.event_page import EventPage
from ohlocal.services.app_conversation_service import conversation_hex

if TYPE_CHECKING:
    from ohlocal.models.conversation import EventSortOrder, SendMessageRequest
    from ohlocal.services.app_conversation_service import AppConversationService
    from ohlocal.services.event_log import EventLog, LiveConversation
    from ohlocal.services.event_service import EventService
    from ohlocal.services.runner_api import ConversationRunner
    from ohlocal.store.event_store import EventFilter

MAX_BATCH = 100


class Export(msgspec.Struct, frozen=True):
    filename: str
    data: bytes


class AppEventService:
    def __init__(
        self,
        log: EventLog,
        events: EventService,
        app_conversations: AppConversationService,
        runner: ConversationRunner,
    ) -> None:
        self._log = log
        self._events = events
        self._app_conversations = app_conversations
        self._runner = runner

    async def _live(self, conversation_id: str) -> LiveConversation | None:
        try:
            return await self._log.live(uuid.UUID(conversation_hex(conversation_id)))
        except ConversationNotFound:
            return None

    async def search_events(
        self,
        conversation_id: str,
        flt: EventFilter,
        sort_order: EventSortOrder,
        page_id: str | None,
        limit: int,
    ) -> EventPage:
        """A page of events with their null fields; an unknown conversation has none."""
        live = await self._live(conversation_id)
        if live is None:
            return EventPage(items=[], next_page_id=None)
        sandbox_id, cid = live.record.sandbox_id, live.record.id
        return await self._events.search_events(
            sandbox_id, cid, flt, sort_order, page_id, limit, full=True
        )

    async def count_events(self, conversation_id: str, flt: EventFilter) -> int:
        live = await self._live(conversation_id)
        if live is None:
            return 0
        return await self._events.count_events(live.record.sandbox_id, live.record.id, flt)

    async def batch_get_events(
        self, conversation_id: str, event_ids: list[str]
    ) -> list[msgspec.Raw | None]:
        if len(event_ids) > MAX_BATCH:
            raise BadRequest(f"Too many ids: {len(event_ids)}. Maximum is {MAX_BATCH}")
        bad = [value for value in event_ids if not _is_uuid(value)]
        if bad:
            raise BadRequest(f"Invalid UUID format for id: {bad!r}")
        live = await self._live(conversation_id)
        if live is None:
            return [None] * len(event_ids)
        sandbox_id, cid = live.record.sandbox_id, live.record.id
        return await self._events.batch_get_events(sandbox_id, cid, event_ids)

    async def send_message(self, conversation_id: str, message: SendMessageRequest) -> None:
        live = await self._live(conversation_id)
        if live is None:
            raise ConversationNotFound(conversation_id)
        await self._runner.send_message(live.conversation_uuid, message)

    async def export_conversation(self, conversation_id: uuid.UUID) -> Export:
        """A zip of `meta.json` (the app conversation) and one JSON file per event."""
        record = await self._app_conversations.get_record(
            conversation_id.hex, f"Conversation not found: {conversation_id}"
        )
        meta = msgspec.to_builtins(await self._app_conversations.view(record))
        for name in LIVE_FIELDS:
            meta.pop(name, None)
        live = await self._app_conversations.live(record.id)
        stored = await self._log.events.all_full(live.record.id) if live else []
        members = [("meta.json", json.dumps(meta, indent=2).encode())]
        members += [
            (f"event_{index:06d}_{event.id}.json", event.json) for index, event in enumerate(stored)
        ]
        data = await anyio.to_thread.run_sync(_zip, members)
        # NOTE: the reference names the file after the dashed form of the id (transcript).
        return Export(filename=f"conversation_{conversation_id}.zip", data=data)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()

"""Reading a conversation's events: cursor search, counts, and lookups by id."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from ohlocal.errors import EventNotFound
from ohlocal.models.base import sortable_local
from ohlocal.models.conversation import EventSortOrder
from ohlocal.models.event_page import EventPage
from ohlocal.store.event_store import EventFilter

if TYPE_CHECKING:
    from datetime import datetime

    from ohlocal.services.conversation_service import ConversationService
    from ohlocal.services.event_log import EventLog


def local_timestamp(moment: datetime | None) -> str | None:
    """A filter bound as a sortable server-local time; zone-aware values are converted."""
    return None if moment is None else sortable_local(moment)


def event_filter(
    kind: str | None,
    source: str | None,
    body: str | None,
    timestamp_gte: datetime | None,
    timestamp_lt: datetime | None,
) -> EventFilter:
    return EventFilter(
        kind=kind,
        source=source,
        body=body,
        timestamp_gte=local_timestamp(timestamp_gte),
        timestamp_lt=local_timestamp(timestamp_lt),
    )


class EventService:
    def __init__(self, log: EventLog, conversations: ConversationService) -> None:
        self._log = log
        self._conversations = conversations

    async def search_events(
        self,
        sandbox_id: str,
        conversation_id: str,
        flt: EventFilter,
        sort_order: EventSortOrder,
        page_id: str | None,
        limit: int,
        full: bool = False,
    ) -> EventPage:
        """A page of events without null fields (with them when `full`); `next_page_id` is the
        id of the next page's first event."""
        live = await self._conversations.live(sandbox_id, conversation_id)
        cid = live.record.id
        start: int | None = None
        if page_id:
            start = await self._log.events.seq_of(cid, page_id)
            if start is None:
                # NOTE: the reference skips events until it meets `page_id`; an unknown id
                # therefore gives an empty page.
                return EventPage(items=[], next_page_id=None)
        desc = sort_order is EventSortOrder.TIMESTAMP_DESC
        rows = await self._log.events.search(cid, flt, start, desc, limit + 1, full=full)
        return EventPage(
            items=[msgspec.Raw(row.json) for row in rows[:limit]],
            next_page_id=rows[limit].id if len(rows) > limit else None,
        )

    async def count_events(self, sandbox_id: str, conversation_id: str, flt: EventFilter) -> int:
        live = await self._conversations.live(sandbox_id, conversation_id)
        if flt.is_empty():
            return sum(
                count
                for (kind, source), count in live.tallies.items()
                if flt.kind in (None, kind) and flt.source in (None, source)
            )
        return await self._log.events.count(live.record.id, flt)

    async def get_event(self, sandbox_id: str, conversation_id: str, event_id: str) -> msgspec.Raw:
        """One event with its null fields."""
        live = await self._conversations.live(sandbox_id, conversation_id)
        found = await self._log.events.get_full(live.record.id, [event_id])
        if event_id not in found:
            raise EventNotFound(live.record.id, event_id)
        return msgspec.Raw(found[event_id])

    async def batch_get_events(
        self, sandbox_id: str, conversation_id: str, event_ids: list[str]
    ) -> list[msgspec.Raw | None]:
        """Events by id with their null fields; null where an id is unknown."""
        live = await self._conversations.live(sandbox_id, conversation_id)
        found = await self._log.events.get_full(live.record.id, event_ids)
        return [msgspec.Raw(found[i]) if i in found else None for i in event_ids]

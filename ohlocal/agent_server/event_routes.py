"""`{AGENT_SERVER}/api/conversations/{id}/events`: post messages, search, count and get events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ohlocal.agent_server.dependencies import AGENT_DEPENDENCIES
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.errors import InvalidInput
from ohlocal.models.base import Success
from ohlocal.models.conversation import EventSortOrder, SendMessageRequest
from ohlocal.models.event_page import EventPage
from ohlocal.services.conversation_service import ConversationService
from ohlocal.services.event_service import EventService, event_filter

_ids_decoder = msgspec.json.Decoder(list[str])


def _event_ids(raw: bytes) -> list[str]:
    try:
        return _ids_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise InvalidInput(
            ("body",), str(exc), "list_type", raw.decode("utf-8", "replace")
        ) from None


class EventController(Controller):
    path = AGENT_PREFIX + "/api/conversations/{conversation_id:str}/events"
    tags = ["Events"]
    dependencies = AGENT_DEPENDENCIES

    @post("/", status_code=200)
    async def send_message(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[SendMessageRequest],
    ) -> Success:
        """Add a user message; with `run: true` the agent starts on it."""
        live = await conversation_service.live(sandbox_id, conversation_id)
        await conversation_service.runner.send_message(live.conversation_uuid, data)
        return Success()

    @get("/search")
    async def search_events(
        self,
        event_service: NamedDependency[EventService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        page_id: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
        kind: FromQuery[str | None] = None,
        source: FromQuery[str | None] = None,
        # NOTE: `body` names Litestar's raw request body, so the query is bound by name.
        body_text: Annotated[str | None, QueryParameter(name="body")] = None,
        sort_order: FromQuery[EventSortOrder] = EventSortOrder.TIMESTAMP,
        timestamp__gte: FromQuery[datetime | None] = None,
        timestamp__lt: FromQuery[datetime | None] = None,
    ) -> EventPage:
        """A page of events, null fields left out; `next_page_id` is the next page's first id."""
        flt = event_filter(kind, source, body_text, timestamp__gte, timestamp__lt)
        return await event_service.search_events(
            sandbox_id, conversation_id, flt, sort_order, page_id, limit
        )

    @get("/count")
    async def count_events(
        self,
        event_service: NamedDependency[EventService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        kind: FromQuery[str | None] = None,
        source: FromQuery[str | None] = None,
        body_text: Annotated[str | None, QueryParameter(name="body")] = None,
        timestamp__gte: FromQuery[datetime | None] = None,
        timestamp__lt: FromQuery[datetime | None] = None,
    ) -> int:
        """How many events match the filters."""
        flt = event_filter(kind, source, body_text, timestamp__gte, timestamp__lt)
        return await event_service.count_events(sandbox_id, conversation_id, flt)

    @get("/{event_id:str}")
    async def get_event(
        self,
        event_service: NamedDependency[EventService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        event_id: FromPath[str],
    ) -> msgspec.Raw:
        """One event, null fields included."""
        return await event_service.get_event(sandbox_id, conversation_id, event_id)

    # NOTE: the reference reads the ids from a JSON list in the body of this GET.
    @get("/")
    async def batch_get_events(
        self,
        event_service: NamedDependency[EventService],
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> list[msgspec.Raw | None]:
        """Events by id (a JSON list in the body); null where an id is unknown."""
        event_ids = _event_ids(await request.body())
        return await event_service.batch_get_events(sandbox_id, conversation_id, event_ids)

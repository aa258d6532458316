"""`/api/v1/conversation/{conversation_id}/events`: an app conversation's events, read from
the store in any sandbox status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ohlocal.app_server.params import PAGE_ID_HELP
from ohlocal.models.app_conversation import EventKind
from ohlocal.models.base import Success
from ohlocal.models.conversation import EventSortOrder, SendMessageRequest
from ohlocal.models.event_page import EventPage
from ohlocal.services.app_event_service import AppEventService
from ohlocal.services.event_service import event_filter


# NOTE: the reference spells this path with a singular `conversation`.
class AppEventController(Controller):
    path = "/api/v1/conversation/{conversation_id:str}/events"
    tags = ["Events"]

    @get("/search")
    async def search_events(
        self,
        app_event_service: NamedDependency[AppEventService],
        conversation_id: FromPath[str],
        kind__eq: FromQuery[EventKind | None] = None,
        timestamp__gte: FromQuery[datetime | None] = None,
        timestamp__lt: FromQuery[datetime | None] = None,
        sort_order: FromQuery[EventSortOrder] = EventSortOrder.TIMESTAMP,
        page_id: Annotated[str | None, QueryParameter(description=PAGE_ID_HELP)] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
    ) -> EventPage:
        """A page of the conversation's events; none for an unknown conversation."""
        kind = kind__eq.value if kind__eq else None
        flt = event_filter(kind, None, None, timestamp__gte, timestamp__lt)
        return await app_event_service.search_events(
            conversation_id, flt, sort_order, page_id, limit
        )

    @get("/count")
    async def count_events(
        self,
        app_event_service: NamedDependency[AppEventService],
        conversation_id: FromPath[str],
        kind__eq: FromQuery[EventKind | None] = None,
        timestamp__gte: FromQuery[datetime | None] = None,
        timestamp__lt: FromQuery[datetime | None] = None,
    ) -> int:
        """How many of the conversation's events match the filters."""
        kind = kind__eq.value if kind__eq else None
        flt = event_filter(kind, None, None, timestamp__gte, timestamp__lt)
        return await app_event_service.count_events(conversation_id, flt)

    @get("/")
    async def batch_get_events(
        self,
        app_event_service: NamedDependency[AppEventService],
        conversation_id: FromPath[str],
        ids: Annotated[list[str], QueryParameter(name="id")],
    ) -> list[msgspec.Raw | None]:
        """Events by id; null where an id is unknown."""
        return await app_event_service.batch_get_events(conversation_id, ids)

    @post("/", status_code=200)
    async def send_message(
        self,
        app_event_service: NamedDependency[AppEventService],
        conversation_id: FromPath[str],
        data: JSONBody[SendMessageRequest],
    ) -> Success:
        """Add a user message; with `run: true` the agent starts on it."""
        await app_event_service.send_message(conversation_id, data)
        return Success()

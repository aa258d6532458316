"""`{AGENT_SERVER}/api/bash` and `/api/conversations/{runtime_conversation_id}/bash`: run
commands in the sandbox and read their bash events, server-wide or for one conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ohlocal.agent_server.conversation_scope import (
    CONVERSATION_SCOPE,
    SCOPE_PREFIX,
    resolve_conversation_scope,
)
from ohlocal.agent_server.dependencies import BASH
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.errors import InvalidInput
from ohlocal.models.base import Success, to_zone
from ohlocal.models.bash import (
    BashCommand,
    BashError,
    BashEventKind,
    BashEventPage,
    BashEventQuery,
    BashEventSortOrder,
    BashOutput,
    ExecuteBashRequest,
)
from ohlocal.services.bash_service import BashService
from ohlocal.services.conversation_scope import ConversationScope

_ids_decoder = msgspec.json.Decoder(list[str])


def _utc(moment: datetime | None) -> datetime | None:
    """Naive timestamps are taken as UTC, the zone bash events are stamped in."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else to_zone(moment, UTC)


class BashController(Controller):
    path = AGENT_PREFIX + "/api/bash"
    tags = ["Bash"]
    dependencies = {**BASH, **CONVERSATION_SCOPE}

    @post("/execute_bash_command", status_code=200)
    async def execute_bash_command(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
        data: JSONBody[ExecuteBashRequest],
    ) -> BashOutput:
        """Run a command and wait for it; its output comes back as one BashOutput."""
        return await bash_service.execute_bash_command(sandbox_id, data, conversation_scope)

    @post("/start_bash_command", status_code=200)
    async def start_bash_command(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
        data: JSONBody[ExecuteBashRequest],
    ) -> BashCommand:
        """Start a command in the background; poll its BashOutput events."""
        return await bash_service.start_bash_command(sandbox_id, data, conversation_scope)

    @get("/bash_events/search")
    async def search_bash_events(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
        kind__eq: FromQuery[BashEventKind | None] = None,
        command_id__eq: FromQuery[UUID | None] = None,
        timestamp__gte: FromQuery[datetime | None] = None,
        timestamp__lt: FromQuery[datetime | None] = None,
        order__gt: Annotated[
            int | None, QueryParameter(description="Only BashOutput events with a greater order")
        ] = None,
        sort_order: FromQuery[BashEventSortOrder] = BashEventSortOrder.TIMESTAMP,
        page_id: Annotated[
            str | None, QueryParameter(description="next_page_id of the last page")
        ] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
    ) -> BashEventPage:
        """Search the sandbox's bash events with exact filters, oldest first by default."""
        query = BashEventQuery(
            kind=kind__eq,
            command_id=command_id__eq.hex if command_id__eq else None,
            order_gt=order__gt,
            timestamp_gte=_utc(timestamp__gte),
            timestamp_lt=_utc(timestamp__lt),
            descending=sort_order is BashEventSortOrder.TIMESTAMP_DESC,
            start_key=page_id or None,
        )
        return await bash_service.search_bash_events(sandbox_id, query, limit, conversation_scope)

    @get("/bash_events/{event_id:str}")
    async def get_bash_event(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
        event_id: FromPath[str],
    ) -> BashCommand | BashOutput | BashError:
        """One bash event by id."""
        return await bash_service.get_bash_event(sandbox_id, event_id, conversation_scope)

    # NOTE: the reference reads the ids of this GET from a JSON list in the request body.
    @get("/bash_events/")
    async def batch_get_bash_events(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
        request: Request[Any, Any, Any],
    ) -> list[BashCommand | BashOutput | BashError | None]:
        """Several bash events by id (a JSON list in the body); null for an unknown id."""
        try:
            ids = _ids_decoder.decode(await request.body())
        except msgspec.DecodeError as exc:
            raise InvalidInput(("body",), str(exc), "list_type", None) from exc
        return await bash_service.batch_get_bash_events(sandbox_id, ids, conversation_scope)

    @delete("/bash_events", status_code=200)
    async def clear_bash_events(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
    ) -> dict[str, int]:
        """Delete every bash event of the sandbox."""
        count = await bash_service.clear_bash_events(sandbox_id, conversation_scope)
        return {"cleared_count": count}

    @post("/bash_commands/{command_id:str}/stop", status_code=200)
    async def stop_bash_command(
        self,
        bash_service: NamedDependency[BashService],
        sandbox_id: FromPath[str],
        conversation_scope: NamedDependency[ConversationScope | None],
        command_id: FromPath[str],
    ) -> Success:
        """Stop one running command (exit code -15); a finished command is fine too."""
        await bash_service.stop_bash_command(sandbox_id, command_id, conversation_scope)
        return Success()


class ConversationBashController(BashController):
    """The same routes for one conversation: its own bash event store, `cwd` defaulting to
    and held inside its workspace."""

    path = SCOPE_PREFIX + "/bash"
    before_request = staticmethod(resolve_conversation_scope)

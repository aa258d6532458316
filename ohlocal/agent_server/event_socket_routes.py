"""`{AGENT_SERVER}/sockets/events/{conversation_id}`: a `full_state` snapshot, then the history
the client asks for, then live events; client frames are user messages."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import anyio
import msgspec
from litestar import WebSocket, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, FromQuery

from ohlocal.agent_server.dependencies import AGENT_DEPENDENCIES
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.auth import SESSION_HEADER
from ohlocal.errors import AppError, ConversationNotFound, InvalidInput
from ohlocal.models.conversation import SendMessageRequest
from ohlocal.models.event_codec import encode_event
from ohlocal.models.events import Event, ServerErrorEvent
from ohlocal.services.conversation_service import ConversationService
from ohlocal.services.event_log import EventLog, LiveConversation
from ohlocal.services.event_service import local_timestamp
from ohlocal.services.registry import Services
from ohlocal.store.event_store import EventFilter

logger = logging.getLogger(__name__)

AUTH_TIMEOUT = 10.0
CLOSE_AUTH_FAILED = (4001, "Authentication failed")
CLOSE_NOT_FOUND = (4004, "Conversation not found")
HISTORY_BATCH = 1000
_frame_decoder = msgspec.json.Decoder(dict[str, Any])


def _offered_key(socket: WebSocket[Any, Any, Any]) -> str | None:
    header = socket.headers.get(SESSION_HEADER.decode())
    return header or socket.query_params.get("session_api_key")


async def _first_message_auth(socket: WebSocket[Any, Any, Any], sandbox_id: FromPath[str]) -> bool:
    """Wait for `{"type": "auth", "session_api_key": ...}`; True when the key matches."""
    services: NamedDependency[Services] = socket.app.state.services
    try:
        with anyio.fail_after(AUTH_TIMEOUT):
            frame = _frame_decoder.decode(await socket.receive_text())
    except (TimeoutError, msgspec.DecodeError, WebSocketDisconnect):
        return False
    key = frame.get("session_api_key")
    if frame.get("type") != "auth" or not isinstance(key, str):
        return False
    return services.sandboxes.key_matches(sandbox_id, key)


async def _send(socket: WebSocket[Any, Any, Any], event: Event) -> None:
    await socket.send_data(encode_event(event, omit_none=True).decode(), mode="text")


def _history_filter(
    resend_mode: str | None, after_timestamp: datetime | None, resend_all: bool
) -> EventFilter | None:
    if resend_mode == "since" and after_timestamp is not None:
        return EventFilter(timestamp_gte=local_timestamp(after_timestamp))
    if resend_mode == "all" or resend_all:
        return EventFilter()
    return None


async def _send_history(
    socket: WebSocket[Any, Any, Any], log: NamedDependency[EventLog], cid: str, flt: EventFilter
) -> set[str]:
    """Send the matching history in log order; returns the ids sent."""
    sent: set[str] = set()
    start: int | None = None
    while True:
        rows = await log.events.search(cid, flt, start, False, HISTORY_BATCH + 1)
        for row in rows[:HISTORY_BATCH]:
            await socket.send_data(row.json.decode(), mode="text")
            sent.add(row.id)
        if len(rows) <= HISTORY_BATCH:
            return sent
        start = rows[HISTORY_BATCH].seq


async def _receive_messages(
    socket: WebSocket[Any, Any, Any],
    service: NamedDependency[ConversationService],
    live: LiveConversation,
) -> None:
    """Client frames are SDK `Message`s; a frame that fails gets a ServerErrorEvent back."""
    while True:
        raw = await socket.receive_text()
        try:
            frame = _frame_decoder.decode(raw)
            if frame.get("type") == "auth":
                continue
            message = msgspec.convert(frame, SendMessageRequest)
            message.run = True
            await service.runner.send_message(live.conversation_uuid, message)
        except (msgspec.DecodeError, msgspec.ValidationError, AppError) as exc:
            detail = exc.message if isinstance(exc, AppError) else str(exc)
            error = ServerErrorEvent(source="environment", code=type(exc).__name__, detail=detail)
            await _send(socket, error)


@websocket(AGENT_PREFIX + "/sockets/events/{conversation_id:str}", dependencies=AGENT_DEPENDENCIES)
async def event_socket(
    socket: WebSocket[Any, Any, Any],
    conversation_service: NamedDependency[ConversationService],
    event_log: NamedDependency[EventLog],
    sandbox_id: FromPath[str],
    conversation_id: FromPath[str],
    resend_mode: FromQuery[str | None] = None,
    after_timestamp: FromQuery[datetime | None] = None,
    resend_all: FromQuery[bool] = False,
) -> None:
    """Stream a conversation's events."""
    await socket.accept()
    if _offered_key(socket) is None and not await _first_message_auth(socket, sandbox_id):
        await socket.close(*CLOSE_AUTH_FAILED)
        return
    try:
        live = await conversation_service.live(sandbox_id, conversation_id)
    except (ConversationNotFound, InvalidInput):
        await socket.close(*CLOSE_NOT_FOUND)
        return
    flt = _history_filter(resend_mode, after_timestamp, resend_all)
    try:
        await _stream(socket, conversation_service, event_log, live, flt)
    except WebSocketDisconnect:
        logger.debug("event socket closed conversation_id=%s", live.record.id)


async def _stream(
    socket: WebSocket[Any, Any, Any],
    service: NamedDependency[ConversationService],
    log: NamedDependency[EventLog],
    live: LiveConversation,
    flt: EventFilter | None,
) -> None:
    # Subscribe before reading history so nothing appended in between is lost; dedupe by id.
    async with log.subscribe(live.record.id) as stream, anyio.create_task_group() as tg:
        await _send(socket, await log.full_state_event(live.record.id))
        sent = await _send_history(socket, log, live.record.id, flt) if flt else set()

        async def forward() -> None:
            async for event in stream:
                if event.id not in sent:
                    await _send(socket, event)
            tg.cancel_scope.cancel()

        tg.start_soon(forward)
        try:
            await _receive_messages(socket, service, live)
        finally:
            tg.cancel_scope.cancel()

"""`{AGENT_SERVER}/sockets/bash-events`: bash events as they happen; commands sent on it run."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import anyio
import msgspec
from litestar import WebSocket, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, FromQuery

from ohlocal.agent_server.dependencies import BASH
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.errors import AppError
from ohlocal.models.base import utc_now
from ohlocal.models.bash import BashError, BashEventQuery, ExecuteBashRequest, SocketAuth
from ohlocal.services.bash_service import BashService
from ohlocal.services.sandbox_service import SandboxService

logger = logging.getLogger(__name__)

# NOTE: the reference waits 10 s for a first-message auth frame, then closes with 4001.
AUTH_TIMEOUT = 10.0
AUTH_FAILED = 4001
RESEND_PAGE = 100
_encoder = msgspec.json.Encoder()
_auth_decoder = msgspec.json.Decoder(SocketAuth)
_request_decoder = msgspec.json.Decoder(ExecuteBashRequest)
AnySocket = WebSocket[Any, Any, Any]


def _has_key(socket: AnySocket) -> bool:
    return "x-session-api-key" in socket.headers or "session_api_key" in socket.query_params


async def _first_message_auth(
    socket: AnySocket, sandbox_service: SandboxService, sandbox_id: str
) -> bool:
    """Wait for `{"type": "auth", "session_api_key": ...}`; close with 4001 unless it fits."""
    try:
        with anyio.fail_after(AUTH_TIMEOUT):
            frame = await socket.receive_data(mode="text")
        key = _auth_decoder.decode(frame).session_api_key
    except (TimeoutError, msgspec.DecodeError):
        key = None
    if key is not None and sandbox_service.key_matches(sandbox_id, key):
        return True
    await socket.close(code=AUTH_FAILED, reason="Authentication failed")
    return False


async def _resend(socket: AnySocket, bash_service: BashService, sandbox_id: str) -> None:
    start: str | None = None
    while True:
        page = await bash_service.search_bash_events(
            sandbox_id, BashEventQuery(start_key=start), RESEND_PAGE
        )
        for event in page.items:
            await socket.send_data(_encoder.encode(event).decode())
        if page.next_page_id is None:
            return
        start = page.next_page_id


async def _run_requests(socket: AnySocket, bash_service: BashService, sandbox_id: str) -> None:
    """Start each ExecuteBashRequest the client sends; answer a bad one with a BashError."""
    while True:
        frame = await socket.receive_data(mode="text")
        try:
            await bash_service.start_bash_command(sandbox_id, _request_decoder.decode(frame))
        except (msgspec.DecodeError, msgspec.ValidationError, AppError) as exc:
            error = BashError(
                id=uuid.uuid4().hex, timestamp=utc_now(), code=type(exc).__name__, detail=str(exc)
            )
            await socket.send_data(_encoder.encode(error).decode())


@websocket(AGENT_PREFIX + "/sockets/bash-events", dependencies=BASH)
async def bash_events_socket(
    socket: AnySocket,
    bash_service: NamedDependency[BashService],
    sandbox_service: NamedDependency[SandboxService],
    sandbox_id: FromPath[str],
    resend_mode: FromQuery[str | None] = None,
    resend_all: FromQuery[bool] = False,
) -> None:
    """Stream the sandbox's bash events; send an ExecuteBashRequest to run a command."""
    await socket.accept()
    if not _has_key(socket) and not await _first_message_auth(socket, sandbox_service, sandbox_id):
        return
    async with bash_service.subscribe(sandbox_id) as events, anyio.create_task_group() as tg:
        if resend_all or resend_mode == "all":
            await _resend(socket, bash_service, sandbox_id)
        tg.start_soon(_run_requests, socket, bash_service, sandbox_id)
        try:
            async for event in events:
                await socket.send_data(_encoder.encode(event).decode())
        except WebSocketDisconnect:
            pass
        tg.cancel_scope.cancel()

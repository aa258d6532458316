"""Session-key checks, made before routing so that no path under a protected prefix answers
without the key: `/api/v1` (when a server key is set) and each sandbox's agent routes."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from ohlocal.agent_server.prefix import PUBLIC_AGENT_PATHS

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

    from ohlocal.services.registry import Services

SESSION_HEADER = b"x-session-api-key"
UNAUTHORIZED_DETAIL = "Invalid or missing session API key"
# App Server routes a sandbox may call with its own session key.
SANDBOX_KEY_PATHS = frozenset({"/api/v1/users/me"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _query_key(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session_api_key")
    return values[0] if values else None


def bearer_token(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization")
    if auth and auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


async def _deny(scope: Scope, send: Any, status: int, detail: str) -> None:
    if scope["type"] == ScopeType.WEBSOCKET:
        # A refused handshake: the client sees 403, as the reference's query-key check does.
        await send({"type": "websocket.close", "code": 1008, "reason": detail})
        return
    body = msgspec.json.encode({"detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SessionKeyMiddleware(ASGIMiddleware):
    """401 for a missing or wrong key; the detail never says which."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not agent_key_accepted(scope) or not app_key_accepted(scope):
            await _deny(scope, send, 401, UNAUTHORIZED_DETAIL)
            return
        await next_app(scope, receive, send)


def _services(scope: Any) -> Services:
    services: Services = scope["litestar_app"].state.services
    return services


def agent_key_accepted(scope: Any) -> bool:
    """False when `scope` is an agent route that needs the sandbox's key and lacks it.
    Websockets without any key pass: they may authenticate with their first message."""
    path: str = scope["path"]
    if not path.startswith("/agent/"):
        return True
    parts = path.split("/", 3)
    rest = "/" + parts[3] if len(parts) > 3 else "/"
    if rest.rstrip("/") in PUBLIC_AGENT_PATHS:
        return True
    key = _header(scope, SESSION_HEADER) or _query_key(scope)
    if key is None and scope["type"] == "websocket":
        return True
    return _services(scope).sandboxes.key_matches(parts[2], key)


def _protected_app_path(path: str) -> bool:
    return path.startswith("/api/v1") or path == "/api/keys" or path.startswith("/api/keys/")


def app_key_accepted(scope: Any) -> bool:
    """False when the server has a session key, `scope` is an App Server route (`/api/v1`,
    `/api/keys`), and it offers neither that key nor a live API key (as `X-Session-API-Key`
    or `Authorization: Bearer`). `users/me` also takes a sandbox's own key, as Cloud
    workspaces send it."""
    services = _services(scope)
    expected = services.settings.session_api_key
    path: str = scope["path"]
    if not expected or not _protected_app_path(path):
        return True
    offered = [v for v in (_header(scope, SESSION_HEADER), bearer_token(scope)) if v]
    for value in offered:
        if hmac.compare_digest(value.encode(), expected.encode()):
            return True
        if services.api_keys.verify(value):
            return True
        if path in SANDBOX_KEY_PATHS and services.sandboxes.sandbox_id_for_key(value):
            return True
    return False

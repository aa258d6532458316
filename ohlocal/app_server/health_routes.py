"""The server's own `/health`, `/alive`, `/ready` and `/server_info`."""

from __future__ import annotations

import time

from litestar import Controller, MediaType, get
from litestar.di import NamedDependency

from ohlocal import AGENT_SERVER_VERSION, APP_SERVER_VERSION, __version__
from ohlocal.models.base import OK_JSON
from ohlocal.models.server_info import ServerInfo
from ohlocal.services.registry import Services


class HealthController(Controller):
    tags = ["Server"]

    # NOTE: the reference answers /health and /ready with the JSON string "OK" and /alive with
    # {"status": "ok"} (app-server transcript).
    @get("/health", media_type=MediaType.JSON)
    async def health(self) -> bytes:
        """Liveness of the server process."""
        return OK_JSON

    @get("/alive")
    async def alive(self) -> dict[str, str]:
        """Liveness of the server process."""
        return {"status": "ok"}

    @get("/ready", media_type=MediaType.JSON)
    async def ready(self) -> bytes:
        """Readiness: the store is open and the sandbox backend is connected."""
        return OK_JSON

    @get("/server_info")
    async def server_info(self, services: NamedDependency[Services]) -> ServerInfo:
        """Version, sandbox backend (isolation, rootless, pause mode) and uptime."""
        now = time.monotonic()
        return ServerInfo(
            version=__version__,
            app_server_version=APP_SERVER_VERSION,
            agent_server_version=AGENT_SERVER_VERSION,
            uptime=round(now - services.started_at, 3),
            idle_time=round(now - services.last_request_at, 3),
            sandbox_backend=services.backend.info,
        )

"""`{AGENT_SERVER}/server_info`, `/ready` and `/openapi.json` (the agent role's paths only)."""

from __future__ import annotations

import platform
import time
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.models.agent_server_info import AgentServerInfo
from ohlocal.services.registry import Services
from ohlocal.services.sandbox_service import SandboxService

# NOTE: the tools ohlocal's agent loop offers, by their reference names.
USABLE_TOOLS = ["terminal", "file_editor", "task_tracker", "finish", "think"]
_PREFIX_PATH = "/agent/{sandbox_id}"


class AgentServerInfoController(Controller):
    path = AGENT_PREFIX
    tags = ["Agent Server"]

    @get("/server_info")
    async def server_info(
        self,
        request: Request[Any, Any, Any],
        sandbox_service: NamedDependency[SandboxService],
        sandbox_id: FromPath[str],
    ) -> AgentServerInfo:
        """Versions, tools and uptime of this sandbox's agent server."""
        await sandbox_service.get_record(sandbox_id)
        # NOTE: read from app state: Services' type hints cannot be resolved for injection.
        services: Services = request.app.state.services
        now = time.monotonic()
        return AgentServerInfo(
            uptime=now - services.started_at,
            idle_time=now - services.last_request_at,
            python_version=platform.python_version(),
            usable_tools=USABLE_TOOLS,
        )

    @get("/ready")
    async def ready(
        self, sandbox_service: NamedDependency[SandboxService], sandbox_id: FromPath[str]
    ) -> dict[str, str]:
        """The agent server can take conversations (503 while the sandbox is not RUNNING)."""
        await sandbox_service.runtime(sandbox_id)
        return {"status": "ready"}

    @get("/openapi.json", include_in_schema=False)
    async def agent_openapi(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        """The OpenAPI document of the agent role, paths relative to this prefix."""
        schema: dict[str, Any] = request.app.openapi_schema.to_schema()
        paths = {
            path[len(_PREFIX_PATH) :] or "/": item
            for path, item in schema.get("paths", {}).items()
            if path.startswith(_PREFIX_PATH + "/")
        }
        return {**schema, "paths": paths}

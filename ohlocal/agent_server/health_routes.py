"""`{AGENT_SERVER}/health` and `/alive`: answer while the sandbox runs."""

from __future__ import annotations

from litestar import Controller, MediaType, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.models.base import OK_JSON
from ohlocal.services.sandbox_service import SandboxService


class AgentHealthController(Controller):
    path = AGENT_PREFIX
    tags = ["Agent Server"]

    # NOTE: the reference agent server answers /health with the JSON string "OK".
    @get("/health", media_type=MediaType.JSON)
    async def health(
        self, sandbox_service: NamedDependency[SandboxService], sandbox_id: FromPath[str]
    ) -> bytes:
        """The sandbox's agent server is up (503 while the sandbox is not RUNNING)."""
        await sandbox_service.runtime(sandbox_id)
        return OK_JSON

    @get("/alive")
    async def alive(
        self, sandbox_service: NamedDependency[SandboxService], sandbox_id: FromPath[str]
    ) -> dict[str, str]:
        """The sandbox's agent server is up (503 while the sandbox is not RUNNING)."""
        await sandbox_service.runtime(sandbox_id)
        return {"status": "ok"}

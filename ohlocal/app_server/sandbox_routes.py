"""`/api/v1/sandboxes`: start, list, pause, resume and delete sandboxes."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from ohlocal.app_server.params import PAGE_ID_HELP
from ohlocal.models.base import Success
from ohlocal.models.sandbox import SandboxInfo, SandboxPage
from ohlocal.services.sandbox_service import SandboxService


class SandboxController(Controller):
    path = "/api/v1/sandboxes"
    tags = ["Sandboxes"]

    @get("/search")
    async def search_sandboxes(
        self,
        sandbox_service: NamedDependency[SandboxService],
        page_id: Annotated[str | None, QueryParameter(description=PAGE_ID_HELP)] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
    ) -> SandboxPage:
        """List sandboxes, newest first."""
        return await sandbox_service.search_sandboxes(page_id, limit)

    @get("/")
    async def batch_get_sandboxes(
        self,
        sandbox_service: NamedDependency[SandboxService],
        ids: Annotated[list[str], QueryParameter(name="id")],
    ) -> list[SandboxInfo | None]:
        """Get up to 100 sandboxes by id; null where an id is unknown."""
        return await sandbox_service.batch_get_sandboxes(ids)

    @post("/", status_code=200)
    async def start_sandbox(
        self,
        sandbox_service: NamedDependency[SandboxService],
        sandbox_spec_id: FromQuery[str | None] = None,
    ) -> SandboxInfo:
        """Start a sandbox from a spec (the default spec when none is given)."""
        return await sandbox_service.start_sandbox(sandbox_spec_id)

    @post("/{sandbox_id:str}/pause", status_code=200)
    async def pause_sandbox(
        self, sandbox_service: NamedDependency[SandboxService], sandbox_id: FromPath[str]
    ) -> Success:
        """Pause a sandbox; its workspace and processes are kept."""
        await sandbox_service.pause_sandbox(sandbox_id)
        return Success()

    @post("/{sandbox_id:str}/resume", status_code=200)
    async def resume_sandbox(
        self, sandbox_service: NamedDependency[SandboxService], sandbox_id: FromPath[str]
    ) -> Success:
        """Resume a paused sandbox, or start a fresh container for a MISSING or ERROR one."""
        await sandbox_service.resume_sandbox(sandbox_id)
        return Success()

    # NOTE: the reference reads the id from the `sandbox_id` query parameter, not from the path
    # (sandbox_router.py); the path id is used when the query is absent.
    @delete("/{id:str}", status_code=200)
    async def delete_sandbox(
        self,
        sandbox_service: NamedDependency[SandboxService],
        id: FromPath[str],
        sandbox_id: FromQuery[str | None] = None,
    ) -> Success:
        """Delete a sandbox and its container; its workspace files are kept."""
        await sandbox_service.delete_sandbox(sandbox_id or id)
        return Success()

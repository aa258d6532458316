"""`/api/v1/sandbox-specs`: the templates sandboxes are started from."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from ohlocal.app_server.params import PAGE_ID_HELP
from ohlocal.models.sandbox_spec import SandboxSpecInfo, SandboxSpecInfoPage
from ohlocal.services.sandbox_spec_service import SandboxSpecService


class SandboxSpecController(Controller):
    path = "/api/v1/sandbox-specs"
    tags = ["Sandbox Specs"]

    @get("/search")
    async def search_sandbox_specs(
        self,
        sandbox_spec_service: NamedDependency[SandboxSpecService],
        page_id: Annotated[str | None, QueryParameter(description=PAGE_ID_HELP)] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
    ) -> SandboxSpecInfoPage:
        """List sandbox specs, one page at a time."""
        return sandbox_spec_service.search_sandbox_specs(page_id, limit)

    @get("/")
    async def batch_get_sandbox_specs(
        self,
        sandbox_spec_service: NamedDependency[SandboxSpecService],
        ids: Annotated[list[str], QueryParameter(name="id")],
    ) -> list[SandboxSpecInfo | None]:
        """Get sandbox specs by id; null where an id is unknown."""
        return sandbox_spec_service.batch_get_sandbox_specs(ids)

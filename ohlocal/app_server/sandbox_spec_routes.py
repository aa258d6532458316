"""`/api/v1/sandbox-specs`: the templates sandboxes are started from."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from ohlocal.models.sandbox_spec import SandboxSpecInfo, SandboxSpecInfoPage
from ohlocal.services.sandbox_spec_service import SandboxSpecService


class SandboxSpecController(Controller):
    path = "/api/v1/sandbox-specs"
    tags = ["Sandbox Specs"]

    @get("/search")
    async def search_sandbox_specs(
        self,
        sandbox_spec_service: SandboxSpecService,
        page_id: Annotated[
            str | None, Parameter(description="next_page_id of the previous page")
        ] = None,
        limit: Annotated[int, Parameter(gt=0, le=100)] = 100,
    ) -> SandboxSpecInfoPage:
        """List sandbox specs, one page at a time."""
        return sandbox_spec_service.search_sandbox_specs(page_id, limit)

    @get("/")
    async def batch_get_sandbox_specs(
        self,
        sandbox_spec_service: SandboxSpecService,
        ids: Annotated[list[str], Parameter(query="id")],
    ) -> list[SandboxSpecInfo | None]:
        """Get sandbox specs by id; null where an id is unknown."""
        return sandbox_spec_service.batch_get_sandbox_specs(ids)

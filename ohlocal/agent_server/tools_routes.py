"""`{AGENT_SERVER}/api/tools` and `/api/vscode`: what the sandbox offers besides the agent.

NOTE: no VS Code is bundled, so these routes answer as a reference agent server started with
`enable_vscode=false`. No desktop is bundled either; the 1.58.2 schema has no `/api/desktop`
route, so `/api/desktop/url` is left unrouted and answers 404 as the reference does.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.errors import FeatureDisabled
from ohlocal.models.tools import VSCodeUrlResponse
from ohlocal.services.sandbox_service import SandboxService

# The tools an ohlocal agent can use, by their registered names.
AVAILABLE_TOOLS = ["terminal", "file_editor", "task_tracker"]
VSCODE_DISABLED = "VSCode is disabled in configuration"


class ToolsController(Controller):
    path = AGENT_PREFIX + "/api"
    tags = ["Tools"]

    @get("/tools/")
    async def list_available_tools(
        self, sandbox_service: NamedDependency[SandboxService], sandbox_id: FromPath[str]
    ) -> list[str]:
        """List the tools an agent in this sandbox can use."""
        await sandbox_service.get_record(sandbox_id)
        return AVAILABLE_TOOLS

    @get("/vscode/url")
    async def get_vscode_url(
        self, base_url: FromQuery[str | None] = None, workspace_dir: FromQuery[str] = "workspace"
    ) -> VSCodeUrlResponse:
        """The VS Code URL; always 503, as no VS Code is bundled."""
        raise FeatureDisabled(f"{VSCODE_DISABLED}. Set enable_vscode=true to enable.")

    @get("/vscode/status")
    async def get_vscode_status(self) -> dict[str, bool | str]:
        """Whether VS Code runs; it never does."""
        return {"running": False, "enabled": False, "message": VSCODE_DISABLED}

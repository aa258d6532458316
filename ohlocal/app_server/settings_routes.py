"""`/api/v1/settings`: the local user's settings (LLM, conversation and app preferences)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from ohlocal.models.settings import GETSettingsModel, SettingsStored
from ohlocal.services.settings_service import SettingsService


# GAP: /settings/agent-schema, /settings/conversation-schema and /settings/profiles are not
# served (404); the web frontend's settings pages work without them; they would need the SDK's
# settings schema (docs/compatibility.md, App Server: settings).
class SettingsController(Controller):
    path = "/api/v1/settings"
    tags = ["Settings"]

    @get("/")
    async def load_settings(
        self, settings_service: NamedDependency[SettingsService]
    ) -> GETSettingsModel:
        """The stored settings with secrets masked; 404 until settings are first stored."""
        return await settings_service.get_settings()

    @post("/", status_code=200)
    async def store_settings(
        self,
        settings_service: NamedDependency[SettingsService],
        data: JSONBody[dict[str, Any]],
    ) -> SettingsStored:
        """Merge a partial body (`agent_settings_diff`, `conversation_settings_diff`, and
        top-level fields) into the stored settings."""
        await settings_service.store_settings(data)
        return SettingsStored()

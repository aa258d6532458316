"""`/api/v1/web-client/config`: what the web frontend reads when it boots."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from ohlocal.models.settings import WebClientConfig
from ohlocal.services.settings_service import SettingsService


class WebClientController(Controller):
    path = "/api/v1/web-client"
    tags = ["Config"]

    @get("/config")
    async def get_web_client_config(
        self, settings_service: NamedDependency[SettingsService]
    ) -> WebClientConfig:
        """App mode (`oss`), feature flags and providers for the web client."""
        return settings_service.web_client_config()

"""`/api/v1/users/me`: the local user and its settings."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter

from ohlocal.models.settings import UserInfo
from ohlocal.services.registry import Services

EXPOSE_HELP = (
    "Return secret values (e.g. llm_api_key) in plain text; needs the X-Session-API-Key of a "
    "running sandbox."
)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["User"]

    @get("/me")
    async def get_current_user(
        self,
        services: NamedDependency[Services],
        expose_secrets: Annotated[bool, QueryParameter(description=EXPOSE_HELP)] = False,
        session_api_key: Annotated[
            str | None, HeaderParameter(name="X-Session-API-Key", required=False)
        ] = None,
    ) -> UserInfo:
        """The current (local) user with its settings; secrets are null unless exposed."""
        if expose_secrets:
            await services.sandboxes.require_running_key(session_api_key)
        return await services.user_settings.get_user(expose_secrets)

"""API keys (`/api/keys`): the create request, a listed key, and the one answer that shows a
key in full."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ohlocal.models.base import Model


class CreateApiKeyRequest(Model, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ApiKeyInfo(Model, kw_only=True):
    """A key as listings show it: never the key itself."""

    id: str
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None = None


class ApiKeyCreated(ApiKeyInfo, kw_only=True):
    """The answer to a create: the only time the key is shown."""

    key: str

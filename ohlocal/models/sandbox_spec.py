"""Sandbox spec wire models: `SandboxSpecInfo` and `SandboxSpecInfoPage`."""

from __future__ import annotations

from datetime import datetime

import msgspec

from ohlocal.models.base import Model


class SandboxSpecInfo(Model, kw_only=True):
    id: str
    command: list[str] | None
    created_at: datetime
    initial_env: dict[str, str] = msgspec.field(default_factory=dict)
    working_dir: str = "/home/openhands/workspace"


class SandboxSpecInfoPage(Model, kw_only=True):
    items: list[SandboxSpecInfo]
    next_page_id: str | None = None

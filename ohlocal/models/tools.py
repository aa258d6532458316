"""Wire models of the tools and VS Code routes."""

from __future__ import annotations

from ohlocal.models.base import Model


class VSCodeUrlResponse(Model, kw_only=True):
    url: str | None

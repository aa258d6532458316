"""`events/search` pages. Items are the stored null-free JSON of each event, passed through."""

from __future__ import annotations

import msgspec

from ohlocal.models.base import Model


class EventPage(Model, kw_only=True):
    items: list[msgspec.Raw]
    next_page_id: str | None = None

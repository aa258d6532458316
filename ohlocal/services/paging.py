"""Offset paging as the reference App Server does it: `next_page_id` is the next offset."""

from __future__ import annotations

from ohlocal.errors import InvalidInput

MAX_PAGE = 100


def page_offset(page_id: str | None) -> int:
    """Decode a `page_id`; anything but a non-negative integer is invalid input."""
    if page_id is None or page_id == "":
        return 0
    if not page_id.isdigit():
        raise InvalidInput(
            ("query", "page_id"),
            "Invalid page_id: expected a value from next_page_id",
            "value_error",
            page_id,
        )
    return int(page_id)


def next_page_id(offset: int, limit: int, returned: int, has_more: bool) -> str | None:
    return str(offset + returned) if has_more and returned == limit else None

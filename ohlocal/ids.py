"""Identifier and key formats, copied from the reference's shapes."""

from __future__ import annotations

import secrets
import string
import uuid

_BASE62 = string.digits + string.ascii_letters


def base62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def new_sandbox_id() -> str:
    # NOTE: reference sandbox ids are 22-character base62 strings (app-server transcript).
    return base62(22)


def new_session_api_key() -> str:
    # NOTE: the reference's session keys are 43-character base62 strings.
    return base62(43)


def parse_uuid(value: str) -> uuid.UUID | None:
    """Accept dashed or 32-character hex UUIDs, as the reference's paths do; None otherwise."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError):
        return None

"""Shared wire-model base and small shapes used by several resources."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec


class Model(msgspec.Struct, kw_only=True):
    """Base of every wire model. Every field is emitted, nulls included, as the reference does."""


# NOTE: the reference answers /health and /ready with the JSON string "OK", quotes included.
OK_JSON = b'"OK"'


class Success(Model, kw_only=True):
    """The reference's `Success` body."""

    success: bool = True


def utc_now() -> datetime:
    return datetime.now(UTC)

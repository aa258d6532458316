"""Shared wire-model base and small shapes used by several resources."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

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


def to_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    """`moment` in `zone` (None: the server's local zone). A time that falls outside years
    1-9999 there (a client's filter bound such as 0001-01-01T00:00+01:00) is clamped to the
    nearest time that exists, so it still bounds what it meant to."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        edge = datetime.min if moment.year < 5000 else datetime.max
        return edge.replace(tzinfo=zone or moment.tzinfo)


def sortable_local(moment: datetime) -> str:
    """`moment` as the sortable server-local form event timestamps are stored and compared in
    (`YYYY-MM-DDTHH:MM:SS.ffffff`, no zone); a zone-aware value is converted first."""
    if moment.tzinfo is not None:
        moment = to_zone(moment, None).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")

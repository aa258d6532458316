"""Time-zone conversion of client-given times at the edges of what datetime can hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ohlocal.models.base import to_zone


def test_to_zone_converts_ordinary_times() -> None:
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert to_zone(moment, UTC) == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def test_to_zone_clamps_times_before_year_one() -> None:
    moment = datetime(1, 1, 1, 0, 2, tzinfo=timezone(timedelta(minutes=4)))
    assert to_zone(moment, UTC) == datetime.min.replace(tzinfo=UTC)


def test_to_zone_clamps_times_after_year_9999() -> None:
    moment = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(minutes=-4)))
    assert to_zone(moment, UTC) == datetime.max.replace(tzinfo=UTC)

"""SQL for bash events: one store per sandbox, ordered by the reference's paging key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from ohlocal.models.bash import BashCommand, BashError, BashEvent, BashEventQuery, BashOutput

if TYPE_CHECKING:
    from datetime import datetime

    from ohlocal.store.db import Database

_decoder = msgspec.json.Decoder(BashCommand | BashOutput | BashError)
_encoder = msgspec.json.Encoder()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%f")


def sort_key(event: BashEvent) -> str:
    """The reference's storage key, which is also its `next_page_id`:
    `<UTC timestamp digits>_<kind>[_<command id>]_<id>`."""
    stamp = _stamp(event.timestamp)
    if isinstance(event, BashOutput):
        return f"{stamp}_BashOutput_{event.command_id}_{event.id}"
    return f"{stamp}_{type(event).__name__}_{event.id}"


class BashEventStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, sandbox_id: str, event: BashEvent) -> None:
        command_id = event.command_id if isinstance(event, BashOutput) else None
        order = event.order if isinstance(event, BashOutput) else None
        async with self._db.transaction() as conn:
            await conn.execute(
                'INSERT INTO bash_event (sandbox_id, id, sort_key, kind, command_id, "order", '
                "timestamp, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sandbox_id,
                    event.id,
                    sort_key(event),
                    type(event).__name__,
                    command_id,
                    order,
                    event.timestamp.isoformat(),
                    _encoder.encode(event),
                ),
            )

    async def get(self, sandbox_id: str, event_id: str) -> BashEvent | None:
        row = await self._db.fetchone(
            "SELECT body FROM bash_event WHERE sandbox_id = ? AND id = ?", (sandbox_id, event_id)
        )
        return _decoder.decode(row["body"]) if row else None

    async def batch_get(self, sandbox_id: str, ids: list[str]) -> dict[str, BashEvent]:
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._db.fetchall(
            f"SELECT id, body FROM bash_event WHERE sandbox_id = ? AND id IN ({marks})",
            (sandbox_id, *ids),
        )
        return {row["id"]: _decoder.decode(row["body"]) for row in rows}

    async def search(
        self, sandbox_id: str, query: BashEventQuery, limit: int
    ) -> list[tuple[str, BashEvent]]:
        """Up to `limit` events as (sort key, event), in the query's order."""
        where: list[str] = ["sandbox_id = ?"]
        params: list[object] = [sandbox_id]
        if query.kind is not None:
            where.append("kind = ?")
            params.append(query.kind)
        if query.command_id is not None:
            where.append("command_id = ?")
            params.append(query.command_id)
        if query.order_gt is not None:
            # NOTE: as in the reference, order__gt keeps BashOutput events only.
            where.append('"order" > ?')
            params.append(query.order_gt)
        if query.timestamp_gte is not None:
            where.append("sort_key >= ?")
            params.append(_stamp(query.timestamp_gte))
        if query.timestamp_lt is not None:
            where.append("sort_key < ?")
            params.append(_stamp(query.timestamp_lt))
        if query.start_key is not None:
            where.append("sort_key <= ?" if query.descending else "sort_key >= ?")
            params.append(query.start_key)
        direction = "DESC" if query.descending else "ASC"
        rows = await self._db.fetchall(
            f"SELECT sort_key, body FROM bash_event WHERE {' AND '.join(where)} "
            f"ORDER BY sort_key {direction} LIMIT ?",
            (*params, limit),
        )
        return [(row["sort_key"], _decoder.decode(row["body"])) for row in rows]

    async def command_exists(self, sandbox_id: str, command_id: str) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM bash_event WHERE sandbox_id = ? AND id = ? AND kind = 'BashCommand'",
            (sandbox_id, command_id),
        )
        return row is not None

    async def unfinished_commands(self) -> list[tuple[str, str, int]]:
        """(store key, command id, next output order) of every command with no final output:
        no BashOutput of it carries an exit code."""
        rows = await self._db.fetchall(
            'SELECT c.sandbox_id, c.id, COALESCE(MAX(o."order") + 1, 0) AS next_order '
            "FROM bash_event c LEFT JOIN bash_event o ON o.sandbox_id = c.sandbox_id "
            "AND o.command_id = c.id AND o.kind = 'BashOutput' "
            "WHERE c.kind = 'BashCommand' GROUP BY c.sandbox_id, c.id "
            "HAVING SUM(json_extract(CAST(o.body AS TEXT), '$.exit_code') IS NOT NULL) = 0"
        )
        return [(row[0], row[1], int(row[2])) for row in rows]

    async def clear(self, sandbox_id: str) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM bash_event WHERE sandbox_id = ?", (sandbox_id,)
            )
            return cursor.rowcount

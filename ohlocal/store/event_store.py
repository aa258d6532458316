"""SQL for the event log: append, filtered cursor search, counts and lookups by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from ohlocal.store.db import Database


class StoredEvent(msgspec.Struct, kw_only=True, frozen=True):
    """One event as written: its indexed columns and both JSON forms."""

    conversation_id: str
    id: str
    kind: str
    source: str
    # Sortable server-local time, `YYYY-MM-DDTHH:MM:SS.ffffff`.
    timestamp: str
    # Lower-cased message text for the `body` filter; None for events without one.
    body: str | None
    full_json: bytes
    compact_json: bytes


class EventRecord(msgspec.Struct, frozen=True):
    seq: int
    id: str
    json: bytes


class EventFilter(msgspec.Struct, kw_only=True, frozen=True):
    kind: str | None = None
    source: str | None = None
    body: str | None = None
    timestamp_gte: str | None = None
    timestamp_lt: str | None = None

    def is_empty(self) -> bool:
        return self.body is None and self.timestamp_gte is None and self.timestamp_lt is None


class Tally(msgspec.Struct, frozen=True):
    kind: str
    source: str
    count: int


def _where(conversation_id: str, flt: EventFilter) -> tuple[str, list[Any]]:
    clauses = ["conversation_id = ?"]
    params: list[Any] = [conversation_id]
    if flt.kind is not None:
        clauses.append("kind = ?")
        params.append(flt.kind)
    if flt.source is not None:
        clauses.append("source = ?")
        params.append(flt.source)
    if flt.body is not None:
        clauses.append("instr(body, ?) > 0")
        params.append(flt.body.lower())
    if flt.timestamp_gte is not None:
        clauses.append("timestamp >= ?")
        params.append(flt.timestamp_gte)
    if flt.timestamp_lt is not None:
        clauses.append("timestamp < ?")
        params.append(flt.timestamp_lt)
    return " AND ".join(clauses), params


class EventStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, event: StoredEvent) -> int:
        """Append one event in its own transaction; returns its sequence number."""
        return (await self.insert_many([event]))[0]

    async def insert_many(self, events: list[StoredEvent]) -> list[int]:
        """Append events in one transaction (all or none); returns their sequence numbers."""
        seqs: list[int] = []
        async with self._db.transaction() as conn:
            for event in events:
                cursor = await conn.execute(
                    "INSERT INTO event (conversation_id, id, kind, source, timestamp, body, "
                    "full_json, compact_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.conversation_id,
                        event.id,
                        event.kind,
                        event.source,
                        event.timestamp,
                        event.body,
                        event.full_json,
                        event.compact_json,
                    ),
                )
                assert cursor.lastrowid is not None  # an INSERT into a rowid table sets it
                seqs.append(cursor.lastrowid)
        return seqs

    async def search(
        self,
        conversation_id: str,
        flt: EventFilter,
        after_seq: int | None,
        desc: bool,
        limit: int,
        full: bool = False,
    ) -> list[EventRecord]:
        """Compact JSON (full JSON when `full`) of up to `limit` matching events from sequence
        `after_seq` on (inclusive; downwards when `desc`)."""
        where, params = _where(conversation_id, flt)
        if after_seq is not None:
            where += " AND seq <= ?" if desc else " AND seq >= ?"
            params.append(after_seq)
        order = "DESC" if desc else "ASC"
        column = "full_json" if full else "compact_json"
        rows = await self._db.fetchall(
            f"SELECT seq, id, {column} FROM event WHERE {where} ORDER BY seq {order} LIMIT ?",
            [*params, limit],
        )
        return [EventRecord(row[0], row[1], row[2]) for row in rows]

    async def count(self, conversation_id: str, flt: EventFilter) -> int:
        where, params = _where(conversation_id, flt)
        row = await self._db.fetchone(f"SELECT count(*) FROM event WHERE {where}", params)
        return int(row[0]) if row else 0

    async def seq_of(self, conversation_id: str, event_id: str) -> int | None:
        row = await self._db.fetchone(
            "SELECT seq FROM event WHERE conversation_id = ? AND id = ?",
            (conversation_id, event_id),
        )
        return int(row[0]) if row else None

    async def get_full(self, conversation_id: str, event_ids: list[str]) -> dict[str, bytes]:
        """Full JSON (nulls included) of those of `event_ids` that exist."""
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = await self._db.fetchall(
            f"SELECT id, full_json FROM event WHERE conversation_id = ? AND id IN ({marks})",
            [conversation_id, *event_ids],
        )
        return {row[0]: row[1] for row in rows}

    async def all_full(self, conversation_id: str, kind: str | None = None) -> list[EventRecord]:
        """Every event (or every event of one kind) in log order, full JSON."""
        flt = EventFilter(kind=kind)
        where, params = _where(conversation_id, flt)
        rows = await self._db.fetchall(
            f"SELECT seq, id, full_json FROM event WHERE {where} ORDER BY seq", params
        )
        return [EventRecord(row[0], row[1], row[2]) for row in rows]

    async def last(self, conversation_id: str, exclude_kind: str) -> EventRecord | None:
        row = await self._db.fetchone(
            "SELECT seq, id, full_json FROM event WHERE conversation_id = ? AND kind != ? "
            "ORDER BY seq DESC LIMIT 1",
            (conversation_id, exclude_kind),
        )
        return EventRecord(row[0], row[1], row[2]) if row else None

    async def tallies(self, conversation_id: str) -> list[Tally]:
        rows = await self._db.fetchall(
            "SELECT kind, source, count(*) FROM event WHERE conversation_id = ? "
            "GROUP BY kind, source",
            (conversation_id,),
        )
        return [Tally(row[0], row[1], int(row[2])) for row in rows]

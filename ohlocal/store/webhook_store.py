"""SQL for webhook delivery: each subscriber's cursor on each conversation's event log, and
the outbox rows that keep what a conversation delete removed from the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    import aiosqlite

    from ohlocal.store.db import Database


class WebhookWork(msgspec.Struct, kw_only=True, frozen=True):
    """One conversation with something to deliver to a subscriber."""

    conversation_id: str
    sandbox_id: str
    # None when the subscriber has no cursor yet: the conversation is new to it.
    delivered_seq: int | None
    info_due: bool
    last_seq: int


class OutboxRow(msgspec.Struct, kw_only=True, frozen=True):
    id: int
    conversation_id: str
    # Relative to the subscriber's base URL: `events/<hex id>` or `conversations`.
    path: str
    body: bytes
    session_api_key: str | None


class LoggedEvent(msgspec.Struct, frozen=True):
    seq: int
    kind: str
    json: bytes


_WORK = """
    SELECT * FROM (
        SELECT c.id, c.sandbox_id, w.delivered_seq, w.info_due,
            coalesce((SELECT max(seq) FROM event e WHERE e.conversation_id = c.id), 0) AS last_seq
        FROM conversation c
        LEFT JOIN webhook_cursor w ON w.subscriber = ? AND w.conversation_id = c.id
        {where}
    ) WHERE delivered_seq IS NULL OR info_due = 1 OR last_seq > delivered_seq
    ORDER BY id
"""


def _work(row: aiosqlite.Row) -> WebhookWork:
    return WebhookWork(
        conversation_id=row[0],
        sandbox_id=row[1],
        delivered_seq=row[2],
        info_due=bool(row[3]),
        last_seq=int(row[4]),
    )


def json_array(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


class WebhookStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(self, subscriber: str, added_at: str) -> bool:
        """Record a subscriber; the first time, its cursors start at the end of every
        existing log (history is not replayed). True when it was new."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO webhook_subscriber (base_url, added_at) VALUES (?, ?)",
                (subscriber, added_at),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "INSERT OR IGNORE INTO webhook_cursor "
                "(subscriber, conversation_id, delivered_seq, info_due) "
                "SELECT ?, c.id, coalesce((SELECT max(seq) FROM event e "
                "WHERE e.conversation_id = c.id), 0), 0 FROM conversation c",
                (subscriber,),
            )
            return True

    async def work(self, subscriber: str, conversation_id: str | None = None) -> list[WebhookWork]:
        """Conversations (or the one named) with undelivered events or info."""
        if conversation_id is None:
            rows = await self._db.fetchall(_WORK.format(where=""), (subscriber,))
        else:
            rows = await self._db.fetchall(
                _WORK.format(where="WHERE c.id = ?"), (subscriber, conversation_id)
            )
        return [_work(row) for row in rows]

    async def events_after(self, conversation_id: str, seq: int, limit: int) -> list[LoggedEvent]:
        rows = await self._db.fetchall(
            "SELECT seq, kind, compact_json FROM event WHERE conversation_id = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (conversation_id, seq, limit),
        )
        return [LoggedEvent(int(row[0]), row[1], bytes(row[2])) for row in rows]

    async def set_cursor(
        self, subscriber: str, conversation_id: str, delivered_seq: int, info_due: bool
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO webhook_cursor (subscriber, conversation_id, delivered_seq, info_due) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (subscriber, conversation_id) DO UPDATE SET "
                "delivered_seq = excluded.delivered_seq, info_due = excluded.info_due",
                (subscriber, conversation_id, delivered_seq, int(info_due)),
            )

    async def outbox(self, subscriber: str, limit: int) -> list[OutboxRow]:
        """The oldest undelivered outbox rows of a subscriber."""
        rows = await self._db.fetchall(
            "SELECT id, conversation_id, path, body, session_api_key FROM webhook_outbox "
            "WHERE subscriber = ? ORDER BY id LIMIT ?",
            (subscriber, limit),
        )
        return [
            OutboxRow(
                id=row[0],
                conversation_id=row[1],
                path=row[2],
                body=bytes(row[3]),
                session_api_key=row[4],
            )
            for row in rows
        ]

    async def drop_outbox(self, row_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM webhook_outbox WHERE id = ?", (row_id,))


async def keep_for_delete(
    conn: aiosqlite.Connection,
    subscriber: str,
    conversation_id: str,
    info: bytes,
    session_api_key: str | None,
    batch_size: int,
    now: str,
) -> None:
    """Inside a conversation's delete transaction: copy its undelivered events (in batches)
    and its final info into the outbox, and drop the subscriber's cursor."""
    found = await conn.execute_fetchall(
        "SELECT delivered_seq FROM webhook_cursor WHERE subscriber = ? AND conversation_id = ?",
        (subscriber, conversation_id),
    )
    delivered = next((int(row[0]) for row in found), 0)
    events = await conn.execute_fetchall(
        "SELECT compact_json FROM event WHERE conversation_id = ? AND seq > ? ORDER BY seq",
        (conversation_id, delivered),
    )
    bodies = [bytes(row[0]) for row in events]
    rows = [
        (f"events/{conversation_id.replace('-', '')}", json_array(bodies[i : i + batch_size]))
        for i in range(0, len(bodies), batch_size)
    ]
    rows.append(("conversations", info))
    await conn.executemany(
        "INSERT INTO webhook_outbox "
        "(subscriber, conversation_id, path, body, session_api_key, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(subscriber, conversation_id, p, b, session_api_key, now) for p, b in rows],
    )
    await conn.execute(
        "DELETE FROM webhook_cursor WHERE subscriber = ? AND conversation_id = ?",
        (subscriber, conversation_id),
    )

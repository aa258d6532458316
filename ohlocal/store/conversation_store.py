"""SQL for agent-server conversations and their secret values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.models.conversation import ConversationRecord, StartConversationRequest

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import aiosqlite

    from ohlocal.store.db import Database

_COLUMNS = "id, sandbox_id, request, title, tags, created_at, updated_at"
_ORDER = {
    "CREATED_AT": "created_at ASC, id ASC",
    "CREATED_AT_DESC": "created_at DESC, id DESC",
    "UPDATED_AT": "updated_at ASC, id ASC",
    "UPDATED_AT_DESC": "updated_at DESC, id DESC",
}
_request_decoder = msgspec.json.Decoder(StartConversationRequest)
_secret_decoder = msgspec.json.Decoder(dict[str, Any])


def _record(row: aiosqlite.Row) -> ConversationRecord:
    return ConversationRecord(
        id=row["id"],
        sandbox_id=row["sandbox_id"],
        request=_request_decoder.decode(row["request"]),
        title=row["title"],
        tags=msgspec.json.decode(row["tags"], type=dict[str, str]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, record: ConversationRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO conversation ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.sandbox_id,
                    msgspec.json.encode(record.request),
                    record.title,
                    msgspec.json.encode(record.tags),
                    record.created_at,
                    record.updated_at,
                ),
            )

    async def get(self, conversation_id: str) -> ConversationRecord | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM conversation WHERE id = ?", (conversation_id,)
        )
        return _record(row) if row else None

    async def search(
        self, sandbox_id: str, sort_order: str, offset: int, limit: int
    ) -> list[ConversationRecord]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM conversation WHERE sandbox_id = ? "
            f"ORDER BY {_ORDER[sort_order]} LIMIT ? OFFSET ?",
            (sandbox_id, limit, offset),
        )
        return [_record(row) for row in rows]

    async def ids(self, sandbox_id: str | None = None) -> list[str]:
        if sandbox_id is None:
            rows = await self._db.fetchall("SELECT id FROM conversation ORDER BY created_at")
        else:
            rows = await self._db.fetchall(
                "SELECT id FROM conversation WHERE sandbox_id = ? ORDER BY created_at",
                (sandbox_id,),
            )
        return [row[0] for row in rows]

    async def update(
        self, conversation_id: str, title: str | None, tags: dict[str, str], updated_at: str
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE conversation SET title = ?, tags = ?, updated_at = ? WHERE id = ?",
                (title, msgspec.json.encode(tags), updated_at, conversation_id),
            )

    async def delete(
        self,
        conversation_id: str,
        before: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None,
    ) -> None:
        """Delete the conversation with its events and secrets; `before` runs first in the
        same transaction (the webhook outbox keeps what the delete removes)."""
        async with self._db.transaction() as conn:
            if before is not None:
                await before(conn)
            await conn.execute("DELETE FROM event WHERE conversation_id = ?", (conversation_id,))
            await conn.execute(
                "DELETE FROM conversation_secret WHERE conversation_id = ?", (conversation_id,)
            )
            await conn.execute("DELETE FROM conversation WHERE id = ?", (conversation_id,))

    async def secrets(self, conversation_id: str) -> dict[str, dict[str, Any]]:
        """Secret sources by name, values included: never for responses or events."""
        rows = await self._db.fetchall(
            "SELECT name, source FROM conversation_secret WHERE conversation_id = ? ORDER BY rowid",
            (conversation_id,),
        )
        return {row[0]: _secret_decoder.decode(row[1]) for row in rows}

    async def put_secrets(self, conversation_id: str, sources: dict[str, dict[str, Any]]) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO conversation_secret (conversation_id, name, source) VALUES (?, ?, ?) "
                "ON CONFLICT (conversation_id, name) DO UPDATE SET source = excluded.source",
                [(conversation_id, name, msgspec.json.encode(s)) for name, s in sources.items()],
            )

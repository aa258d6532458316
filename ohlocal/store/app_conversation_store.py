"""SQL for App Server conversations: the row of each app conversation, searched and counted
with the reference's filters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.models.app_conversation import AppConversationRecord

if TYPE_CHECKING:
    from ohlocal.store.db import Database

_decoder = msgspec.json.Decoder(AppConversationRecord)


class AppConversationFilter(msgspec.Struct, kw_only=True, frozen=True):
    """Bounds are `created_at`/`updated_at` strings in the stored form (UTC, `Z`)."""

    title_contains: str | None = None
    created_at_gte: str | None = None
    created_at_lt: str | None = None
    updated_at_gte: str | None = None
    updated_at_lt: str | None = None
    sandbox_id: str | None = None


def _where(flt: AppConversationFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if flt.title_contains is not None:
        clauses.append("instr(lower(coalesce(title, '')), lower(?)) > 0")
        params.append(flt.title_contains)
    for column, op, value in (
        ("created_at", ">=", flt.created_at_gte),
        ("created_at", "<", flt.created_at_lt),
        ("updated_at", ">=", flt.updated_at_gte),
        ("updated_at", "<", flt.updated_at_lt),
        ("sandbox_id", "=", flt.sandbox_id),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    return " AND ".join(clauses), params


class AppConversationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, record: AppConversationRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO app_conversation (id, sandbox_id, title, created_at, updated_at, "
                "body) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.sandbox_id,
                    record.title,
                    record.created_at,
                    record.updated_at,
                    msgspec.json.encode(record),
                ),
            )

    async def update(self, record: AppConversationRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE app_conversation SET title = ?, updated_at = ?, body = ? WHERE id = ?",
                (record.title, record.updated_at, msgspec.json.encode(record), record.id),
            )

    async def get(self, conversation_id: str) -> AppConversationRecord | None:
        row = await self._db.fetchone(
            "SELECT body FROM app_conversation WHERE id = ?", (conversation_id,)
        )
        return _decoder.decode(row[0]) if row else None

    async def batch_get(self, ids: list[str]) -> dict[str, AppConversationRecord]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetchall(
            f"SELECT body FROM app_conversation WHERE id IN ({marks})", ids
        )
        records = [_decoder.decode(row[0]) for row in rows]
        return {record.id: record for record in records}

    async def search(
        self, flt: AppConversationFilter, offset: int, limit: int
    ) -> list[AppConversationRecord]:
        """Newest first."""
        where, params = _where(flt)
        rows = await self._db.fetchall(
            f"SELECT body FROM app_conversation WHERE {where} "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_decoder.decode(row[0]) for row in rows]

    async def count(self, flt: AppConversationFilter) -> int:
        where, params = _where(flt)
        row = await self._db.fetchone(
            f"SELECT count(*) FROM app_conversation WHERE {where}", params
        )
        return int(row[0]) if row else 0

    async def delete(self, conversation_id: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM app_conversation WHERE id = ?", (conversation_id,)
            )
            return (cursor.rowcount or 0) > 0

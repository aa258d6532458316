"""SQL for app-conversation start tasks and the pending messages queued for them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.models.app_conversation import AppConversationStartTask, PendingMessageRequest

if TYPE_CHECKING:
    from ohlocal.store.db import Database

_decoder = msgspec.json.Decoder(AppConversationStartTask)
_message_decoder = msgspec.json.Decoder(PendingMessageRequest)
_ORDER = {
    "CREATED_AT": "created_at ASC, id ASC",
    "CREATED_AT_DESC": "created_at DESC, id DESC",
    "UPDATED_AT": "updated_at ASC, id ASC",
    "UPDATED_AT_DESC": "updated_at DESC, id DESC",
}


def _where(conversation_id: str | None, created_at_gte: str | None) -> tuple[str, list[Any]]:
    clauses, params = ["1 = 1"], []
    if conversation_id is not None:
        clauses.append("app_conversation_id = ?")
        params.append(conversation_id)
    if created_at_gte is not None:
        clauses.append("created_at >= ?")
        params.append(created_at_gte)
    return " AND ".join(clauses), params


class StartTaskStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, task: AppConversationStartTask) -> None:
        """Insert the task or replace its stored form."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO start_task (id, status, app_conversation_id, created_at, "
                "updated_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "status = excluded.status, app_conversation_id = excluded.app_conversation_id, "
                "updated_at = excluded.updated_at, body = excluded.body",
                (
                    task.id,
                    task.status.value,
                    task.app_conversation_id,
                    task.created_at,
                    task.updated_at,
                    msgspec.json.encode(task),
                ),
            )

    async def batch_get(self, ids: list[str]) -> dict[str, AppConversationStartTask]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetchall(f"SELECT body FROM start_task WHERE id IN ({marks})", ids)
        tasks = [_decoder.decode(row[0]) for row in rows]
        return {task.id: task for task in tasks}

    async def search(
        self,
        conversation_id: str | None,
        created_at_gte: str | None,
        sort_order: str,
        offset: int,
        limit: int,
    ) -> list[AppConversationStartTask]:
        where, params = _where(conversation_id, created_at_gte)
        rows = await self._db.fetchall(
            f"SELECT body FROM start_task WHERE {where} ORDER BY {_ORDER[sort_order]} "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_decoder.decode(row[0]) for row in rows]

    async def count(self, conversation_id: str | None, created_at_gte: str | None) -> int:
        where, params = _where(conversation_id, created_at_gte)
        row = await self._db.fetchone(f"SELECT count(*) FROM start_task WHERE {where}", params)
        return int(row[0]) if row else 0

    async def unfinished(self) -> list[AppConversationStartTask]:
        rows = await self._db.fetchall(
            "SELECT body FROM start_task WHERE status NOT IN ('READY', 'ERROR')"
        )
        return [_decoder.decode(row[0]) for row in rows]

    # ----- pending messages -----

    async def add_pending(
        self, message_id: str, conversation_id: str, message: PendingMessageRequest, now: str
    ) -> int:
        """Queue a message; return its 1-based position among the conversation's queue."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO pending_message (id, conversation_id, body, created_at) "
                "VALUES (?, ?, ?, ?)",
                (message_id, conversation_id, msgspec.json.encode(message), now),
            )
        return await self.count_pending([conversation_id])

    async def count_pending(self, conversation_ids: list[str]) -> int:
        marks = ",".join("?" * len(conversation_ids))
        row = await self._db.fetchone(
            f"SELECT count(*) FROM pending_message WHERE conversation_id IN ({marks})",
            conversation_ids,
        )
        return int(row[0]) if row else 0

    async def take_pending(self, conversation_ids: list[str]) -> list[PendingMessageRequest]:
        """Remove and return the queued messages of these ids, oldest first."""
        marks = ",".join("?" * len(conversation_ids))
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"SELECT body FROM pending_message WHERE conversation_id IN ({marks}) ORDER BY seq",
                conversation_ids,
            )
            rows = list(await cursor.fetchall())
            await conn.execute(
                f"DELETE FROM pending_message WHERE conversation_id IN ({marks})",
                conversation_ids,
            )
        return [_message_decoder.decode(row[0]) for row in rows]

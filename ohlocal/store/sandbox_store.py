"""SQL for sandboxes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from ohlocal.models.sandbox import SandboxRecord, SandboxStatus

if TYPE_CHECKING:
    import aiosqlite

    from ohlocal.store.db import Database

_COLUMNS = (
    "id, sandbox_spec_id, status, session_api_key, created_at, handle, worker_ports, "
    "pause_mode, detail"
)


def _record(row: aiosqlite.Row) -> SandboxRecord:
    return SandboxRecord(
        id=row["id"],
        sandbox_spec_id=row["sandbox_spec_id"],
        status=SandboxStatus(row["status"]),
        session_api_key=row["session_api_key"],
        created_at=datetime.fromisoformat(row["created_at"]),
        handle=row["handle"],
        worker_ports=msgspec.json.decode(row["worker_ports"], type=list[int]),
        pause_mode=row["pause_mode"],
        detail=row["detail"],
    )


class SandboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, record: SandboxRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO sandbox ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.sandbox_spec_id,
                    record.status.value,
                    record.session_api_key,
                    record.created_at.isoformat(),
                    record.handle,
                    msgspec.json.encode(record.worker_ports).decode(),
                    record.pause_mode,
                    record.detail,
                ),
            )

    async def update(self, record: SandboxRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sandbox SET status = ?, handle = ?, worker_ports = ?, pause_mode = ?, "
                "detail = ? WHERE id = ?",
                (
                    record.status.value,
                    record.handle,
                    msgspec.json.encode(record.worker_ports).decode(),
                    record.pause_mode,
                    record.detail,
                    record.id,
                ),
            )

    async def delete(self, sandbox_id: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM sandbox WHERE id = ?", (sandbox_id,))
            return cursor.rowcount > 0

    async def get(self, sandbox_id: str) -> SandboxRecord | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM sandbox WHERE id = ?", (sandbox_id,))
        return _record(row) if row else None

    async def get_by_session_key(self, key: str) -> SandboxRecord | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM sandbox WHERE session_api_key = ?", (key,)
        )
        return _record(row) if row else None

    async def batch_get(self, ids: list[str]) -> dict[str, SandboxRecord]:
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM sandbox WHERE id IN ({marks})", ids)
        return {row["id"]: _record(row) for row in rows}

    async def search(self, offset: int, limit: int) -> list[SandboxRecord]:
        """Newest first, as the reference lists them."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM sandbox ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_record(row) for row in rows]

    async def all(self) -> list[SandboxRecord]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM sandbox ORDER BY created_at")
        return [_record(row) for row in rows]

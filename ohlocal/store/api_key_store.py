"""SQL for API keys: only a salted digest of each key is stored, never the key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    import aiosqlite

    from ohlocal.store.db import Database

_COLUMNS = "id, name, salt, digest, prefix, created_at, last_used_at"


class ApiKeyRecord(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    name: str
    salt: bytes
    digest: bytes
    # The first characters of the key, so that a user can tell keys apart in a listing.
    prefix: str
    created_at: str
    last_used_at: str | None = None


def _record(row: aiosqlite.Row) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        name=row["name"],
        salt=bytes(row["salt"]),
        digest=bytes(row["digest"]),
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )


class ApiKeyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def insert(self, record: ApiKeyRecord) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO api_key ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.name,
                    record.salt,
                    record.digest,
                    record.prefix,
                    record.created_at,
                    record.last_used_at,
                ),
            )

    async def all(self) -> list[ApiKeyRecord]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM api_key ORDER BY created_at, id")
        return [_record(row) for row in rows]

    async def delete(self, key_id: str) -> bool:
        """Delete the key; False when there was none with that id."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM api_key WHERE id = ?", (key_id,))
            return cursor.rowcount > 0

    async def set_last_used(self, used: dict[str, str]) -> None:
        """Record last-use times (key id to ISO time) of keys that still exist."""
        if not used:
            return
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE api_key SET last_used_at = ? WHERE id = ?",
                [(when, key_id) for key_id, when in used.items()],
            )

"""SQL for the stored settings document of each user (ohlocal has one, the local user)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from ohlocal.store.db import Database

_body_decoder = msgspec.json.Decoder(dict[str, Any])


class StoredSettings(msgspec.Struct, kw_only=True, frozen=True):
    """What a user has set: top-level fields and the merged `*_settings` diffs, secrets
    included. Never a response body as it is."""

    body: dict[str, Any]
    updated_at: str


class SettingsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: str) -> StoredSettings | None:
        row = await self._db.fetchone(
            "SELECT body, updated_at FROM user_settings WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return StoredSettings(body=_body_decoder.decode(row[0]), updated_at=row[1])

    async def put(self, user_id: str, stored: StoredSettings) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user_settings (user_id, body, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET body = excluded.body, "
                "updated_at = excluded.updated_at",
                (user_id, msgspec.json.encode(stored.body), stored.updated_at),
            )

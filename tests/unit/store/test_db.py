"""The SQLite connection: WAL, migrations to PRAGMA user_version, transactions."""

from __future__ import annotations

import anyio
import pytest

from ohlocal.store.db import Database
from ohlocal.store.migrations import MIGRATIONS


def test_open_migrates_to_the_latest_version_in_wal_mode(home) -> None:
    async def check() -> None:
        db = await Database.open(home / "o.db")
        assert await db.schema_version() == len(MIGRATIONS)
        row = await db.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        await db.close()
        again = await Database.open(home / "o.db")  # a second open migrates nothing
        assert await again.schema_version() == len(MIGRATIONS)
        await again.close()

    anyio.run(check)


def test_transaction_rolls_back_on_error(home) -> None:
    async def check() -> None:
        db = await Database.open(home / "o.db")
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO sandbox (id, sandbox_spec_id, status, session_api_key, created_at)"
                    " VALUES ('a', 's', 'RUNNING', 'k', '2026-01-01')"
                )
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT id FROM sandbox") == []
        await db.close()

    anyio.run(check)


def test_newer_schema_than_known_is_refused(home) -> None:
    async def check() -> None:
        db = await Database.open(home / "o.db")
        async with db.transaction() as conn:
            await conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
        await db.close()
        with pytest.raises(RuntimeError, match="newer"):
            await Database.open(home / "o.db")

    anyio.run(check)

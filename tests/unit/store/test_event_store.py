"""The event store: cursor search in both orders, filters, counts, lookups and the migration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ohlocal.models.conversation import ConversationRecord, StartConversationRequest, utc_iso
from ohlocal.store.conversation_store import ConversationStore
from ohlocal.store.db import Database
from ohlocal.store.event_store import EventFilter, EventStore, StoredEvent
from ohlocal.store.migrations import MIGRATIONS

if TYPE_CHECKING:
    from pathlib import Path

CID = "11111111-1111-1111-1111-111111111111"


def _event(n: int) -> StoredEvent:
    return StoredEvent(
        conversation_id=CID,
        id=f"e{n}",
        kind="MessageEvent" if n % 2 else "PauseEvent",
        source="user" if n % 3 else "agent",
        timestamp=f"2026-01-01T00:00:{n:02d}.000000",
        body=f"text {n}" if n % 2 else None,
        full_json=b'{"full":%d}' % n,
        compact_json=b'{"compact":%d}' % n,
    )


async def _store(path: Path) -> tuple[Database, EventStore, ConversationStore]:
    db = await Database.open(path)
    conversations = ConversationStore(db)
    now = utc_iso()
    await conversations.insert(
        ConversationRecord(
            id=CID,
            sandbox_id="s",
            request=StartConversationRequest(),
            created_at=now,
            updated_at=now,
        )
    )
    events = EventStore(db)
    for n in range(10):
        await events.insert(_event(n))
    return db, events, conversations


def test_event_store_search_count_and_lookup(tmp_path: Path):
    async def scenario() -> None:
        db, events, conversations = await _store(tmp_path / "db.sqlite")
        everything = await events.search(CID, EventFilter(), None, False, 100)
        assert [r.id for r in everything] == [f"e{n}" for n in range(10)]
        assert everything[0].json == b'{"compact":0}'
        start = await events.seq_of(CID, "e5")
        assert [r.id for r in await events.search(CID, EventFilter(), start, True, 3)] == [
            "e5",
            "e4",
            "e3",
        ]
        assert await events.count(CID, EventFilter(kind="MessageEvent")) == 5
        assert await events.count(CID, EventFilter(body="TEXT 3")) == 1
        window = EventFilter(
            timestamp_gte="2026-01-01T00:00:02.000000", timestamp_lt="2026-01-01T00:00:04.000000"
        )
        assert await events.count(CID, window) == 2
        assert await events.get_full(CID, ["e1", "missing"]) == {"e1": b'{"full":1}'}
        assert sum(t.count for t in await events.tallies(CID)) == 10
        await conversations.delete(CID)
        assert await events.count(CID, EventFilter()) == 0
        assert await db.schema_version() == len(MIGRATIONS)
        await db.close()

    anyio.run(scenario)


def test_conversation_store_keeps_secrets_apart(tmp_path: Path):
    async def scenario() -> None:
        db, _events, conversations = await _store(tmp_path / "db.sqlite")
        await conversations.put_secrets(CID, {"A": {"kind": "StaticSecret", "value": "1"}})
        await conversations.put_secrets(CID, {"A": {"kind": "StaticSecret", "value": "2"}})
        assert await conversations.secrets(CID) == {"A": {"kind": "StaticSecret", "value": "2"}}
        record = await conversations.get(CID)
        assert record is not None and record.request.secrets == {}
        await db.close()

    anyio.run(scenario)

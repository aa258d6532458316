"""One subscriber's delivery loop against a real database and a scripted receiver: batching,
status-change info, retries, the at-least-once cursor and the delete outbox."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest

from ohlocal.models.conversation import ConversationRecord, StartConversationRequest, utc_iso
from ohlocal.models.events import ConversationStateUpdateEvent, PauseEvent
from ohlocal.services.event_log import EventLog
from ohlocal.services.webhook_delivery import (
    IDLE_POLL,
    MAX_RETRY_INTERVAL,
    SubscriberWorker,
    retry_delay,
    status_of,
)
from ohlocal.settings import WebhookConfig
from ohlocal.store.conversation_store import ConversationStore
from ohlocal.store.db import Database
from ohlocal.store.event_store import EventStore
from ohlocal.store.webhook_store import LoggedEvent, WebhookStore

if TYPE_CHECKING:
    from pathlib import Path

CID = "22222222-2222-2222-2222-222222222222"
CONFIG = WebhookConfig(
    base_url="http://receiver.test/hooks/",
    headers={"X-Extra": "1"},
    event_buffer_size=2,
    flush_delay=0.0,
    num_retries=2,
    retry_delay=1.0,
)


class Scripted:
    """A receiver behind httpx.MockTransport: records requests, fails while `down`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("down", request=request)
        self.requests.append((request.url.path, dict(request.headers), json.loads(request.content)))
        return httpx.Response(200, json={"success": True})

    def event_ids(self) -> list[str]:
        return [e["id"] for path, _, body in self.requests if "/events/" in path for e in body]

    def paths(self) -> list[str]:
        return [
            path.rsplit("/", 1)[-1] if "/events/" not in path else "events"
            for path, _, _ in self.requests
        ]


class Setup:
    def __init__(self, db: Database, receiver: Scripted) -> None:
        self.db = db
        self.log = EventLog(EventStore(db), ConversationStore(db))
        self.store = WebhookStore(db)
        self.receiver = receiver
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
        self.worker = SubscriberWorker(
            CONFIG, self.store, self._info, lambda sandbox_id: "sandbox-key", self._lock
        )
        self._locks: dict[tuple[str, str], anyio.Lock] = {}

    async def _info(self, conversation_id: str, status: str | None) -> bytes:
        return json.dumps({"id": conversation_id, "execution_status": status}).encode()

    def _lock(self, subscriber: str, conversation_id: str) -> anyio.Lock:
        return self._locks.setdefault((subscriber, conversation_id), anyio.Lock())

    async def create(self) -> None:
        now = utc_iso()
        record = ConversationRecord(
            id=CID,
            sandbox_id="sb",
            request=StartConversationRequest(),
            created_at=now,
            updated_at=now,
        )
        await self.log.create(record, {})

    async def status(self, value: str) -> None:
        await self.log.append(
            CID, ConversationStateUpdateEvent(key="execution_status", value=value)
        )

    async def pump(self) -> float:
        return await self.worker.pump(self.client)

    async def ids(self) -> list[str]:
        return [e.id for e in await self.log.all_events(CID)]


def scenario(tmp_path: Path, body: Any) -> None:
    async def run() -> None:
        db = await Database.open(tmp_path / "ohlocal.db")
        setup = Setup(db, Scripted())
        await setup.store.register(CONFIG.subscriber, utc_iso())
        try:
            await body(setup)
        finally:
            await setup.client.aclose()
            await db.close()

    anyio.run(run)


def test_retry_delay_is_fixed_then_doubles_up_to_the_cap() -> None:
    assert [retry_delay(CONFIG, n) for n in (1, 2)] == [1.0, 1.0]
    assert [retry_delay(CONFIG, n) for n in (3, 4, 5)] == [2.0, 4.0, 8.0]
    assert retry_delay(CONFIG, 50) == MAX_RETRY_INTERVAL


def test_status_of_reads_only_execution_status_updates() -> None:
    status = ConversationStateUpdateEvent(key="execution_status", value="running")
    other = ConversationStateUpdateEvent(key="stats", value={"execution_status": "x"})
    encode = json.dumps
    assert (
        status_of(
            LoggedEvent(
                1,
                "ConversationStateUpdateEvent",
                encode({"key": status.key, "value": status.value}).encode(),
            )
        )
        == "running"
    )
    assert (
        status_of(
            LoggedEvent(
                2,
                "ConversationStateUpdateEvent",
                encode({"key": other.key, "value": other.value}).encode(),
            )
        )
        is None
    )
    assert status_of(LoggedEvent(3, "MessageEvent", b'{"execution_status": 1}')) is None


def test_new_conversation_gets_info_then_batches_ending_at_status_changes(tmp_path) -> None:
    async def body(setup: Setup) -> None:
        await setup.create()
        for _ in range(3):
            await setup.log.append(CID, PauseEvent())
        await setup.status("running")
        await setup.log.append(CID, PauseEvent())
        assert await setup.pump() == IDLE_POLL

        receiver = setup.receiver
        assert receiver.paths() == ["conversations", "events", "events", "conversations", "events"]
        assert receiver.event_ids() == await setup.ids()
        infos = [b for p, _, b in receiver.requests if p.endswith("/conversations")]
        assert [i["execution_status"] for i in infos] == [None, "running"]
        path, headers, _ = receiver.requests[1]
        assert path == f"/hooks/events/{CID.replace('-', '')}"
        assert headers["x-session-api-key"] == "sandbox-key"
        assert headers["x-extra"] == "1"

    scenario(tmp_path, body)


def test_partial_batch_waits_for_flush_delay(tmp_path) -> None:
    async def body(setup: Setup) -> None:
        setup.worker.config = WebhookConfig(
            base_url=CONFIG.base_url, event_buffer_size=5, flush_delay=5.0
        )
        await setup.create()
        await setup.log.append(CID, PauseEvent())
        wait = await setup.pump()
        assert 4.0 < wait <= 5.0
        assert setup.receiver.paths() == ["conversations"]

    scenario(tmp_path, body)


def test_failed_delivery_is_kept_and_sent_once_receiver_is_back(tmp_path) -> None:
    async def body(setup: Setup) -> None:
        await setup.create()
        setup.receiver.down = True
        await setup.log.append(CID, PauseEvent())
        await setup.status("finished")
        delays = [await setup.pump() for _ in range(4)]
        assert delays == [1.0, 1.0, 2.0, 4.0]
        assert setup.receiver.requests == []

        setup.receiver.down = False
        await setup.pump()
        assert setup.receiver.event_ids() == await setup.ids()
        assert setup.receiver.paths() == ["conversations", "events", "conversations"]

    scenario(tmp_path, body)


def test_cursor_survives_restart_without_redelivery(tmp_path) -> None:
    async def body(setup: Setup) -> None:
        await setup.create()
        await setup.log.append(CID, PauseEvent())
        await setup.log.append(CID, PauseEvent())
        await setup.pump()
        again = Setup(setup.db, setup.receiver)
        try:
            await again.pump()
        finally:
            await again.client.aclose()
        assert setup.receiver.event_ids() == await setup.ids()

    scenario(tmp_path, body)


def test_crash_after_delivery_before_cursor_update_redelivers_that_batch(tmp_path) -> None:
    async def body(setup: Setup) -> None:
        await setup.create()
        await setup.log.append(CID, PauseEvent())
        await setup.log.append(CID, PauseEvent())
        store = setup.store
        real = store.set_cursor
        calls = 0

        async def crash_on_second(*args: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 3:  # the cursor move after the first event batch
                raise RuntimeError("crash")
            await real(*args)

        store.set_cursor = crash_on_second  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            await setup.pump()
        store.set_cursor = real  # type: ignore[method-assign]
        await setup.pump()
        ids = await setup.ids()
        assert setup.receiver.event_ids() == ids + ids

    scenario(tmp_path, body)


def test_delete_moves_undelivered_events_and_final_info_to_the_outbox(tmp_path) -> None:
    async def body(setup: Setup) -> None:
        from ohlocal.store.webhook_store import keep_for_delete

        await setup.create()
        await setup.pump()
        for _ in range(3):
            await setup.log.append(CID, PauseEvent())
        ids = await setup.ids()

        async def write(conn: Any) -> None:
            await keep_for_delete(conn, CONFIG.subscriber, CID, b'{"gone": true}', "k", 2, "t")

        await setup.log.conversations.delete(CID, before=write)
        rows = await setup.store.outbox(CONFIG.subscriber, 10)
        assert [r.path for r in rows] == [
            f"events/{CID.replace('-', '')}",
            f"events/{CID.replace('-', '')}",
            "conversations",
        ]
        await setup.pump()
        assert setup.receiver.event_ids() == ids
        assert setup.receiver.requests[-1][2] == {"gone": True}
        assert await setup.store.outbox(CONFIG.subscriber, 10) == []
        assert await setup.store.work(CONFIG.subscriber) == []

    scenario(tmp_path, body)


def test_redaction_hides_credentials() -> None:
    from ohlocal.redact import MASK, redact_headers, redact_url

    headers = {"Authorization": "Bearer x", "X-Session-API-Key": "k", "X-Token-A": "t", "A": "b"}
    assert redact_headers(headers) == {
        "Authorization": MASK,
        "X-Session-API-Key": MASK,
        "X-Token-A": MASK,
        "A": "b",
    }
    assert redact_url("http://u:p@h:8/x?key=1") == f"http://{MASK}@h:8/x?{MASK}"

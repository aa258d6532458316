"""The state fold: creation request plus state-update events, rebuilt the same after restart."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import anyio
import pytest

from ohlocal.models.content import TextContent
from ohlocal.models.conversation import (
    ConversationExecutionStatus,
    ConversationRecord,
    SendMessageRequest,
    StartConversationRequest,
    utc_iso,
)
from ohlocal.models.events import ConversationStateUpdateEvent, PauseEvent, StreamingDeltaEvent
from ohlocal.services.conversation_state import apply_event, fold, initial_state
from ohlocal.services.event_log import EventLog
from ohlocal.store.conversation_store import ConversationStore
from ohlocal.store.db import Database
from ohlocal.store.event_store import EventStore

if TYPE_CHECKING:
    from pathlib import Path


def _record(cid: str | None = None) -> ConversationRecord:
    now = utc_iso()
    request = StartConversationRequest(
        agent={"kind": "Agent", "llm": {"model": "m", "api_key": "sk"}},
        confirmation_policy={"kind": "AlwaysConfirm"},
        max_iterations=7,
    )
    request.workspace.working_dir = "/w"
    return ConversationRecord(
        id=cid or str(uuid.uuid4()), sandbox_id="s", request=request, created_at=now, updated_at=now
    )


def _update(key: str, value: object) -> ConversationStateUpdateEvent:
    return ConversationStateUpdateEvent(key=key, value=value)


def test_initial_state_comes_from_the_request():
    state = initial_state(_record())
    assert state.max_iterations == 7
    assert state.confirmation_policy == {"kind": "AlwaysConfirm"}
    assert state.execution_status is ConversationExecutionStatus.IDLE
    assert state.workspace.working_dir == "/w"


def test_fold_applies_per_field_updates_in_order():
    events = [
        _update("execution_status", "running"),
        _update("stats", {"usage_to_metrics": {"agent": {}}}),
        _update("execution_status", "finished"),
        _update("last_user_message_id", "m1"),
        _update("unknown_key", 1),
    ]
    state = fold(_record(), events)
    assert state.execution_status is ConversationExecutionStatus.FINISHED
    assert state.stats == {"usage_to_metrics": {"agent": {}}}
    assert state.last_user_message_id == "m1"


def test_fold_ignores_invalid_values_and_fixed_fields():
    state = fold(_record(), [_update("execution_status", "bogus"), _update("id", "x")])
    assert state.execution_status is ConversationExecutionStatus.IDLE
    assert state.id != "x"


def test_full_state_update_sets_every_field():
    state = fold(
        _record(), [_update("full_state", {"execution_status": "paused", "max_iterations": 3})]
    )
    assert state.execution_status is ConversationExecutionStatus.PAUSED
    assert state.max_iterations == 3


def test_non_update_events_move_the_leaf():
    state = initial_state(_record())
    pause = PauseEvent()
    apply_event(state, pause)
    assert state.leaf_event_id == pause.id and not state.head_is_empty


async def _restart_roundtrip(path: Path) -> None:
    db = await Database.open(path)
    log = EventLog(EventStore(db), ConversationStore(db))
    record = _record()
    await log.create(record, {"K": {"kind": "StaticSecret", "value": "v"}})
    message = SendMessageRequest(content=[TextContent(text="hi")])
    await log.record_user_message(record.id, message)
    await log.append(record.id, _update("execution_status", "finished"))
    await log.record_user_message(record.id, message)
    before = await log.state(record.id)
    await db.close()

    db = await Database.open(path)
    log = EventLog(EventStore(db), ConversationStore(db))
    after = await log.state(record.id)
    assert after == before
    assert after.execution_status is ConversationExecutionStatus.IDLE
    assert await log.secrets(record.id) == {"K": "v"}
    kinds = [type(e).__name__ for e in await log.all_events(record.id)]
    assert kinds.count("MessageEvent") == 2
    await db.close()


def test_state_is_rebuilt_from_the_log_after_restart(tmp_path: Path):
    anyio.run(_restart_roundtrip, tmp_path / "db.sqlite")


def test_record_user_message_on_finished_conversation_sets_idle_first(tmp_path: Path):
    async def scenario() -> list[str]:
        db = await Database.open(tmp_path / "db.sqlite")
        log = EventLog(EventStore(db), ConversationStore(db))
        record = _record()
        await log.create(record, {})
        await log.append(record.id, _update("execution_status", "finished"))
        await log.record_user_message(
            record.id, SendMessageRequest(content=[TextContent(text="x")])
        )
        events = await log.all_events(record.id)
        await db.close()
        return [getattr(e, "key", type(e).__name__) for e in events]

    assert anyio.run(scenario) == [
        "execution_status",
        "execution_status",
        "MessageEvent",
        "last_user_message_id",
    ]


@pytest.mark.parametrize("kind", ["StreamingDeltaEvent"])
def test_transient_events_are_never_persisted(tmp_path: Path, kind: str):
    async def scenario() -> None:
        db = await Database.open(tmp_path / "db.sqlite")
        log = EventLog(EventStore(db), ConversationStore(db))
        record = _record()
        await log.create(record, {})
        with pytest.raises(ValueError, match=kind):
            await log.append(record.id, StreamingDeltaEvent(content="x"))
        await db.close()

    anyio.run(scenario)

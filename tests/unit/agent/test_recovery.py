"""Start-up recovery: a dangling action is closed, never run twice, and the run resumes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ohlocal.agent.loop import steps_of_current_run
from ohlocal.models.conversation import ConversationRecord, StartConversationRequest
from ohlocal.models.events import AgentErrorEvent, ConversationStateUpdateEvent
from ohlocal.services.agent_runner import RECOVERED_ERROR, AgentRunner
from ohlocal.services.event_log import EventLog
from ohlocal.services.runner_api import RunnerContext
from ohlocal.settings import build_settings
from ohlocal.store.conversation_store import ConversationStore
from ohlocal.store.db import Database
from ohlocal.store.event_store import EventStore
from tests.unit.agent.test_messages import _action, _user

if TYPE_CHECKING:
    from pathlib import Path

CID = "6f1c2a52-8d1e-4a5e-9a43-2f6a0c9f1b11"


def test_recover_dangling_action_gets_error_and_run_resumes(tmp_path: Path) -> None:
    spawned: list[object] = []

    async def main() -> list[object]:
        db = await Database.open(tmp_path / "ohlocal.db")
        try:
            log = EventLog(EventStore(db), ConversationStore(db))
            record = ConversationRecord(
                id=CID,
                sandbox_id="sb",
                request=StartConversationRequest(),
                created_at="2026-01-01T00:00:00Z",
                updated_at="2026-01-01T00:00:00Z",
            )
            await log.create(record, {})
            dangling = _action("call_001_0", "r1", "make build")
            for event in (
                _user("build it"),
                ConversationStateUpdateEvent(key="execution_status", value="running"),
                dangling,
            ):
                await log.append(CID, event)

            settings = build_settings(home=tmp_path, environ={})
            runner = AgentRunner(RunnerContext(settings, log, None, lambda *a: spawned.append(a)))  # type: ignore[arg-type]
            await runner.recover()
            events = await log.all_events(CID)
            await runner.aclose()
            return events
        finally:
            await db.close()

    events = anyio.run(main)
    errors = [e for e in events if isinstance(e, AgentErrorEvent)]
    assert len(errors) == 1
    assert errors[0].tool_call_id == "call_001_0" and errors[0].error == RECOVERED_ERROR
    runs = [task for task in spawned if getattr(task[0], "__name__", "") == "run"]
    titles = [task for task in spawned if getattr(task[0], "__name__", "") == "_title_task"]
    assert len(runs) == 1
    assert runs[0][1] is True  # resumed: no second `running` update
    assert len(titles) == 1  # the title the crash cut off


def test_steps_of_current_run_counts_responses_since_running() -> None:
    events = [
        _action("c0", "r0", "old"),
        ConversationStateUpdateEvent(key="execution_status", value="running"),
        _action("c1", "r1", "a"),
        _action("c2", "r1", "b"),  # a parallel call of the same response
        _action("c3", "r2", "c"),
    ]
    assert steps_of_current_run(events) == 2

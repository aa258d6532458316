from __future__ import annotations

import msgspec
import pytest

from ohlocal.models.content import text_of
from ohlocal.tools import (
    FinishAction,
    FinishObservation,
    Observation,
    TaskItem,
    TaskTrackerAction,
    TaskTrackerObservation,
    ThinkAction,
    ThinkObservation,
)

pytestmark = pytest.mark.anyio


async def test_finish_echoes_message(host):
    observation = await host.execute(FinishAction(message="All done."))
    assert isinstance(observation, FinishObservation)
    assert msgspec.to_builtins(observation) == {
        "kind": "FinishObservation",
        "content": [{"cache_prompt": False, "type": "text", "text": "All done."}],
        "is_error": False,
    }


async def test_think_logs_thought(host):
    observation = await host.execute(ThinkAction(thought="hmm"))
    assert isinstance(observation, ThinkObservation)
    assert text_of(list(observation.content)) == "Your thought has been logged."


async def test_task_tracker_view_plan_view(host):
    empty = await host.execute(TaskTrackerAction())
    assert (
        text_of(list(empty.content)) == 'No task list found. Use the "plan" command to create one.'
    )
    tasks = [
        TaskItem(title="write", notes="the code", status="in_progress"),
        TaskItem(title="ship"),
    ]
    planned = await host.execute(TaskTrackerAction(command="plan", task_list=tasks))
    assert text_of(list(planned.content)) == "Task list has been updated with 2 item(s)."
    viewed = await host.execute(TaskTrackerAction(command="view"))
    assert isinstance(viewed, TaskTrackerObservation) and viewed.task_list == tasks
    assert text_of(list(viewed.content)) == (
        "# Task List\n\n1. 🔄 write\n   the code\n\n2. ⏳ ship"
    )


def test_observation_union_decodes_by_kind():
    raw = b'{"kind":"ThinkObservation","content":[{"type":"text","text":"x"}]}'
    observation = msgspec.json.decode(raw, type=Observation)
    assert isinstance(observation, ThinkObservation)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"kind":"ThinkObservation","extra":1}', type=Observation)

"""The comparison of crash replays: a recovered action stands for its observation, and what
follows it is a note, not a failure."""

from __future__ import annotations

from ohlocal.replay.compare import compare
from ohlocal.replay.steps import ReplayResult
from ohlocal.services.agent_runner import RECOVERED_ERROR

ACTION = {"id": "a", "kind": "ActionEvent", "tool_name": "terminal", "action": {"kind": "T"}}
OBSERVATION = {"id": "o", "kind": "ObservationEvent", "observation": {"kind": "TO", "exit_code": 0}}
RECOVERED = {"id": "r", "kind": "AgentErrorEvent", "error": RECOVERED_ERROR, "tool_call_id": "c"}
PAUSE = {"id": "p", "kind": "PauseEvent"}


def _compare(recorded: list, replayed: list):
    info = {"execution_status": "finished"}
    recording = {"transcript": [], "conversations": {"cid": {"info": info, "events": recorded}}}
    result = ReplayResult(conversations={"cid": {"id": "x", "info": info, "events": replayed}})
    return compare(recording, result)


def test_compare_recovered_action_matches_observation() -> None:
    comparison = _compare([ACTION, OBSERVATION], [ACTION, RECOVERED])
    assert comparison.problems == [] and comparison.notes == []
    assert comparison.events_matched == 2


def test_compare_difference_after_recovered_action_is_a_note() -> None:
    comparison = _compare([ACTION, OBSERVATION, PAUSE], [ACTION, RECOVERED, ACTION, PAUSE])
    assert comparison.problems == []
    assert len(comparison.notes) == 1


def test_compare_difference_without_recovery_is_a_problem() -> None:
    comparison = _compare([ACTION, OBSERVATION], [ACTION, PAUSE])
    assert len(comparison.problems) == 1 and comparison.notes == []

"""Stuck detection over action/observation pairs."""

from __future__ import annotations

from ohlocal.agent.stuck import is_stuck
from tests.unit.agent.test_messages import _action, _json, _observation, _user


def _pairs(commands: list[str], outputs: list[str]):
    events = []
    for index, (command, output) in enumerate(zip(commands, outputs, strict=True)):
        action = _action(f"call_{index}", f"r{index}", command)
        action.action.command = command
        events += [action, _observation(action, output)]
    return events


def test_is_stuck_four_identical_pairs_is_stuck() -> None:
    assert is_stuck(_json([_user("go"), *_pairs(["echo same"] * 4, ["same"] * 4)]))


def test_is_stuck_three_identical_pairs_is_not_stuck() -> None:
    assert not is_stuck(_json([_user("go"), *_pairs(["echo same"] * 3, ["same"] * 3)]))


def test_is_stuck_different_output_is_not_stuck() -> None:
    events = _pairs(["echo same"] * 4, ["same", "same", "same", "other"])
    assert not is_stuck(_json([_user("go"), *events]))


def test_is_stuck_counts_only_since_last_user_message() -> None:
    events = [*_pairs(["echo same"] * 2, ["same"] * 2), _user("again")]
    events += _pairs(["echo same"] * 2, ["same"] * 2)
    assert not is_stuck(_json(events))

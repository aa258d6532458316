"""Stuck detection: the agent repeating one action with one result."""

from __future__ import annotations

from typing import Any

from ohlocal.agent.messages import content_text

# Identical action/observation pairs in a row that make a run `stuck` (the reference's count).
STUCK_REPEATS = 4


def is_stuck(events: list[dict[str, Any]]) -> bool:
    """True when the last STUCK_REPEATS actions since the last user message were the same
    action with the same observation."""
    since_user: list[dict[str, Any]] = []
    for event in reversed(events):
        if event["kind"] == "MessageEvent" and event.get("source") == "user":
            break
        since_user.append(event)
    since_user.reverse()
    results = {e.get("action_id"): e for e in since_user if e["kind"] == "ObservationEvent"}
    pairs = [
        _signature(e, results.get(e["id"]))
        for e in since_user
        if e["kind"] == "ActionEvent" and e.get("action") is not None
    ]
    if len(pairs) < STUCK_REPEATS:
        return False
    last = pairs[-STUCK_REPEATS:]
    return last[0] is not None and all(pair == last[0] for pair in last)


def _signature(action: dict[str, Any], observation: dict[str, Any] | None) -> object:
    if observation is None:
        return None
    seen = observation["observation"]
    return (
        action["tool_name"],
        repr(sorted(action["action"].items())),
        content_text(seen.get("content")),
        seen.get("exit_code"),
        seen.get("is_error"),
    )

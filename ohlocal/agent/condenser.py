"""What an `LLMSummarizingCondenser` forgets, and the summary request for it."""

from __future__ import annotations

import json
from typing import Any

from ohlocal.agent.messages import build_messages, view_events
from ohlocal.agent.prompts import CONDENSE_PROMPT

DEFAULT_MAX_SIZE = 120
DEFAULT_KEEP_FIRST = 4
# The events kept after a condensation leave room for the summary itself.
SUMMARY_SLOTS = 1
MAX_EVENT_CHARS = 2000


class CondenserConfig:
    """The condenser settings of `agent.condenser`, or None when the agent has none."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.max_size = int(raw.get("max_size") or DEFAULT_MAX_SIZE)
        self.keep_first = int(raw.get("keep_first") or DEFAULT_KEEP_FIRST)
        self.llm: dict[str, Any] | None = (
            raw.get("llm") if isinstance(raw.get("llm"), dict) else None
        )

    @classmethod
    def of(cls, agent: dict[str, Any]) -> CondenserConfig | None:
        raw = agent.get("condenser")
        if not isinstance(raw, dict) or raw.get("kind") != "LLMSummarizingCondenser":
            return None
        return cls(raw)


def needs_condensation(events: list[dict[str, Any]], config: CondenserConfig) -> bool:
    return len(view_events(events)) > config.max_size


# GAP: only max_size and keep_first shape the policy (max_tokens, minimum_progress ignored);
# one forced condensation is recorded; more recordings would pin the reference's policy.
def forgotten_events(events: list[dict[str, Any]], config: CondenserConfig) -> list[dict[str, Any]]:
    """The middle of the view: all but the first `keep_first` events and a tail that brings the
    view down to half its size; results of a forgotten action are forgotten with it."""
    view = [e for e in view_events(events) if e["id"]]
    tail = max(len(view) // 2 - config.keep_first - SUMMARY_SLOTS, 0)
    middle = view[config.keep_first : len(view) - tail]
    forgotten_calls = {e.get("tool_call_id") for e in middle if e["kind"] == "ActionEvent"}
    kept_tail = view[len(view) - tail :]
    middle += [
        e
        for e in kept_tail
        if e["kind"] != "ActionEvent" and e.get("tool_call_id") in forgotten_calls
    ]
    return middle


def summary_request(forgotten: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A tool-less request asking for a summary of the forgotten events."""
    lines = []
    for message in build_messages(forgotten):
        text = message.get("content") or json.dumps(message.get("tool_calls"))
        lines.append(f"[{message['role']}] {str(text)[:MAX_EVENT_CHARS]}")
    return [{"role": "user", "content": CONDENSE_PROMPT.format(events="\n".join(lines))}]

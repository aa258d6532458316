"""The event log as LLM messages. Events are taken in their JSON form (`kind`-tagged dicts), so
this module depends only on the wire shapes, not on the event Structs."""

from __future__ import annotations

import json
from typing import Any

Jsonish = dict[str, Any]

# Event kinds that become (part of) an LLM message; everything else is left out of the view.
LLM_KINDS = frozenset(
    {
        "SystemPromptEvent",
        "MessageEvent",
        "ActionEvent",
        "ObservationEvent",
        "AgentErrorEvent",
        "UserRejectObservation",
    }
)
RESULT_KINDS = frozenset({"ObservationEvent", "AgentErrorEvent", "UserRejectObservation"})
SUMMARY_PREFIX = "Summary of the earlier part of this conversation:\n"


def view_events(events: list[Jsonish]) -> list[Jsonish]:
    """The events the LLM sees: LLM kinds, minus what the latest Condensation forgot, with
    its summary inserted (as a `CondensationSummary` pseudo-event) at `summary_offset`."""
    condensation = next((e for e in reversed(events) if e["kind"] == "Condensation"), None)
    forgotten = set(condensation.get("forgotten_event_ids") or []) if condensation else set()
    view = [e for e in events if e["kind"] in LLM_KINDS and e["id"] not in forgotten]
    # GAP: the summary is one user message at summary_offset; the reference's request after a
    # condensation had one message fewer; recorded message roles would settle its rendering.
    if condensation and condensation.get("summary") is not None:
        offset = condensation.get("summary_offset") or 0
        summary = {"kind": "CondensationSummary", "id": "", "summary": condensation["summary"]}
        view.insert(min(offset, len(view)), summary)
    return view


def build_messages(events: list[Jsonish]) -> list[Jsonish]:
    """OpenAI chat messages for the conversation so far."""
    view = view_events(events)
    answered = {e.get("tool_call_id") for e in view if e["kind"] in RESULT_KINDS}
    messages: list[Jsonish] = []
    for event in view:
        message = _message(event, answered)
        if message is None:
            continue
        if _continues_tool_calls(messages, event):
            messages[-1]["tool_calls"].extend(message.get("tool_calls", []))
            continue
        messages.append(message)
    return finalize([m for m in messages if m.get("content") is not None or m.get("tool_calls")])


def _continues_tool_calls(messages: list[Jsonish], event: Jsonish) -> bool:
    """Parallel tool calls (one LLM response) are one assistant message."""
    if event["kind"] != "ActionEvent" or not messages:
        return False
    last = messages[-1]
    return bool(last.get("_response_id")) and last["_response_id"] == event.get("llm_response_id")


def _message(event: Jsonish, answered: set[Any]) -> Jsonish | None:
    kind = event["kind"]
    if kind == "SystemPromptEvent":
        text = event["system_prompt"]["text"]
        if event.get("dynamic_context"):
            text += "\n\n" + event["dynamic_context"]["text"]
        return {"role": "system", "content": text}
    if kind == "CondensationSummary":
        return {"role": "user", "content": SUMMARY_PREFIX + event["summary"]}
    if kind == "MessageEvent":
        role = event["llm_message"]["role"]
        return {"role": role, "content": content_text(event["llm_message"].get("content"))}
    if kind == "ActionEvent":
        return _assistant_message(event, answered)
    return _tool_message(event)


def _assistant_message(event: Jsonish, answered: set[Any]) -> Jsonish:
    call = event["tool_call"]
    calls = []
    # NOTE: a tool call without any result (still pending) would make the request invalid.
    if event["tool_call_id"] in answered:
        calls.append(
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
        )
    thought = content_text(event.get("thought")) or None
    return {
        "role": "assistant",
        "content": thought,
        "tool_calls": calls,
        "_response_id": event.get("llm_response_id"),
    }


def _tool_message(event: Jsonish) -> Jsonish:
    kind = event["kind"]
    if kind == "ObservationEvent":
        text = observation_text(event["observation"])
    elif kind == "AgentErrorEvent":
        text = f"Error: {event['error']}"
    else:
        text = f"The user rejected this action: {event.get('rejection_reason', '')}"
    return {
        "role": "tool",
        "tool_call_id": event["tool_call_id"],
        "name": event["tool_name"],
        "content": text,
    }


def content_text(parts: Any) -> str:
    """The text of a content list (or a plain string)."""
    if parts is None:
        return ""
    if isinstance(parts, str):
        return parts
    return "\n".join(p.get("text", "") for p in parts if isinstance(p, dict) and "text" in p)


def observation_text(observation: Jsonish) -> str:
    """What the LLM reads of an observation: its text, plus the exit code of a command."""
    text = content_text(observation.get("content"))
    if observation.get("exit_code") is not None:
        text += f"\n[exit code: {observation['exit_code']}]"
    if observation.get("is_error") and not text:
        text = "The tool reported an error without output."
    return text


def finalize(messages: list[Jsonish]) -> list[Jsonish]:
    """Drop the private bookkeeping keys before sending."""
    cleaned = []
    for message in messages:
        message = {k: v for k, v in message.items() if not k.startswith("_")}
        if message.get("tool_calls") == []:
            del message["tool_calls"]
        cleaned.append(message)
    return cleaned


def arguments_object(arguments: str) -> Jsonish | None:
    """The tool-call arguments as an object, or None when they are not a JSON object."""
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None

"""LLM messages built from the event log."""

from __future__ import annotations

import msgspec

from ohlocal.agent.messages import build_messages
from ohlocal.models.content import TextContent
from ohlocal.models.events import (
    ActionEvent,
    AgentErrorEvent,
    Condensation,
    ConversationStateUpdateEvent,
    MessageEvent,
    ObservationEvent,
    SystemPromptEvent,
    UserRejectObservation,
)
from ohlocal.models.message import Message, MessageToolCall
from ohlocal.tools.models import TerminalAction, TerminalObservation


def _action(call_id: str, response_id: str, command: str, thought: str = "") -> ActionEvent:
    return ActionEvent(
        thought=[TextContent(text=thought)] if thought else [],
        action=TerminalAction(command=command),
        tool_name="terminal",
        tool_call_id=call_id,
        tool_call=MessageToolCall(id=call_id, name="terminal", arguments='{"command": "x"}'),
        llm_response_id=response_id,
    )


def _observation(action: ActionEvent, text: str, exit_code: int = 0) -> ObservationEvent:
    return ObservationEvent(
        tool_name="terminal",
        tool_call_id=action.tool_call_id,
        observation=TerminalObservation(
            content=[TextContent(text=text)], command="x", exit_code=exit_code
        ),
        action_id=action.id,
    )


def _user(text: str) -> MessageEvent:
    return MessageEvent(
        source="user", llm_message=Message(role="user", content=[TextContent(text=text)])
    )


def _json(events) -> list[dict]:
    return [msgspec.to_builtins(e) for e in events]


def test_build_messages_tool_round_trip_has_roles_in_order() -> None:
    first = _action("call_001_0", "r1", "ls", thought="Looking around.")
    second = _action("call_001_1", "r1", "pwd")
    bad = _action("call_002_0", "r2", "rm")
    events = [
        SystemPromptEvent(system_prompt=TextContent(text="be useful"), tools=[]),
        _user("hello"),
        ConversationStateUpdateEvent(key="execution_status", value="running"),
        first,
        second,
        _observation(first, "a.txt"),
        _observation(second, "/workspace", exit_code=2),
        bad,
        UserRejectObservation(
            tool_name="terminal", tool_call_id="call_002_0", rejection_reason="no", action_id="x"
        ),
        AgentErrorEvent(
            tool_name="nope", tool_call_id="call_003_0", error="Tool 'nope' not found."
        ),
        MessageEvent(
            source="agent",
            llm_message=Message(role="assistant", content=[TextContent(text="done")]),
        ),
    ]
    messages = build_messages(_json(events))
    roles = [m["role"] for m in messages]
    assert roles == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]
    assert messages[2]["content"] == "Looking around."
    assert [c["id"] for c in messages[2]["tool_calls"]] == ["call_001_0", "call_001_1"]
    assert messages[4]["content"].endswith("[exit code: 2]")
    assert "rejected" in messages[6]["content"]
    assert all(not k.startswith("_") for m in messages for k in m)


def test_build_messages_pending_tool_call_is_left_out() -> None:
    pending = _action("call_001_0", "r1", "ls")
    messages = build_messages(_json([_user("hi"), pending]))
    assert [m["role"] for m in messages] == ["user"]


def test_build_messages_condensation_forgets_and_inserts_summary() -> None:
    system = SystemPromptEvent(system_prompt=TextContent(text="sys"), tools=[])
    user = _user("make files")
    old = _action("call_001_0", "r1", "echo 1")
    old_result = _observation(old, "1")
    new = _action("call_002_0", "r2", "echo 2")
    new_result = _observation(new, "2")
    condensation = Condensation(
        forgotten_event_ids=[old.id, old_result.id],
        summary="files were made",
        summary_offset=2,
        llm_response_id="chatcmpl-side-0001",
    )
    events = [system, user, old, old_result, new, new_result, condensation]
    messages = build_messages(_json(events))
    assert [m["role"] for m in messages] == ["system", "user", "user", "assistant", "tool"]
    assert "files were made" in messages[2]["content"]
    assert messages[3]["tool_calls"][0]["id"] == "call_002_0"

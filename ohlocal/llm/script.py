"""LLM scripts (the `llm_script` of a recording) and the player that hands out their turns the
way the recording harness's scripted endpoint did: OpenAI-format completion bodies."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from pathlib import Path

# Answer past the end of the script, and to tool-less requests nothing matches.
PAST_END_CONTENT = "done"
SIDE_DEFAULT_CONTENT = "Scripted title"
SCRIPTED_USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
SCRIPTED_MODEL = "fake-model"


class ScriptToolCall(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    arguments: dict[str, Any] | None = None
    arguments_raw: str | None = None
    id: str | None = None
    # A recording check, never sent to the agent.
    expect_output: str | None = None


class ScriptTurn(msgspec.Struct, kw_only=True, frozen=True):
    content: str | None = None
    tool_calls: list[ScriptToolCall] = msgspec.field(default_factory=list)
    delay: float = 0.0
    http_error: int | None = None
    finish_reason: str | None = None


class SideReply(msgspec.Struct, kw_only=True, frozen=True):
    match: str
    content: str


class LLMScript(msgspec.Struct, kw_only=True, frozen=True):
    turns: list[ScriptTurn] = msgspec.field(default_factory=list)
    side_replies: list[SideReply] = msgspec.field(default_factory=list)
    side_default: str | None = None


class ScriptedAnswer(msgspec.Struct, kw_only=True, frozen=True):
    """One answer: the HTTP status and body to send after `delay` seconds."""

    kind: str  # "turn" or "side"
    turn_index: int | None
    status: int
    body: dict[str, Any]
    delay: float = 0.0


def load_script(path: Path) -> LLMScript:
    """Read a script file: either a bare script or a whole recording (its `llm_script`)."""
    raw = json.loads(path.read_text())
    if isinstance(raw, dict) and "llm_script" in raw:
        raw = raw["llm_script"]
    return msgspec.convert(raw, LLMScript)


class ScriptPlayer:
    """Hands out a script's turns in order, shared by every conversation that uses it."""

    def __init__(self, script: LLMScript) -> None:
        self.script = script
        self._lock = threading.Lock()
        self._next_turn = 0
        self._sides = 0
        self.exchanges: list[dict[str, Any]] = []

    @property
    def served(self) -> int:
        """How many turns (tool-carrying requests) were answered so far."""
        return self._next_turn

    def answer(self, request: dict[str, Any]) -> ScriptedAnswer:
        """The answer to one chat-completions request body."""
        with self._lock:
            if request.get("tools"):
                answer = self._turn_answer()
            else:
                answer = self._side_answer(request)
            self.exchanges.append(_exchange(answer, request))
            return answer

    def _turn_answer(self) -> ScriptedAnswer:
        index = self._next_turn
        self._next_turn += 1
        number = index + 1
        turn = self.script.turns[index] if index < len(self.script.turns) else None
        if turn is None:
            turn = ScriptTurn(content=PAST_END_CONTENT)
        if turn.http_error is not None:
            body = {
                "error": {"message": turn.content or "", "type": "scripted_error", "code": None}
            }
            return ScriptedAnswer(
                kind="turn", turn_index=index, status=turn.http_error, body=body, delay=turn.delay
            )
        calls = [_tool_call(number, i, call) for i, call in enumerate(turn.tool_calls)]
        finish = turn.finish_reason or ("tool_calls" if calls else "stop")
        body = _completion(f"chatcmpl-fake-{number:04d}", turn.content, calls, finish)
        return ScriptedAnswer(
            kind="turn", turn_index=index, status=200, body=body, delay=turn.delay
        )

    def _side_answer(self, request: dict[str, Any]) -> ScriptedAnswer:
        self._sides += 1
        text = json.dumps(request.get("messages", []))
        content = self.script.side_default or SIDE_DEFAULT_CONTENT
        for reply in self.script.side_replies:
            if reply.match in text:
                content = reply.content
                break
        body = _completion(f"chatcmpl-side-{self._sides:04d}", content, [], "stop")
        return ScriptedAnswer(kind="side", turn_index=None, status=200, body=body)


def _tool_call(number: int, index: int, call: ScriptToolCall) -> dict[str, Any]:
    arguments = call.arguments_raw
    if arguments is None:
        arguments = json.dumps(call.arguments or {})
    return {
        "id": call.id or f"call_{number:03d}_{index}",
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    }


def _completion(
    response_id: str, content: str | None, calls: list[dict[str, Any]], finish: str
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": response_id,
        "object": "chat.completion",
        "created": 0,
        "model": SCRIPTED_MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": dict(SCRIPTED_USAGE),
    }


def _exchange(answer: ScriptedAnswer, request: dict[str, Any]) -> dict[str, Any]:
    tools = request.get("tools") or []
    return {
        "kind": answer.kind,
        "turn_index": answer.turn_index,
        "response_id": answer.body.get("id"),
        "message_roles": [m.get("role") for m in request.get("messages", [])],
        "tool_names": [t.get("function", {}).get("name") for t in tools],
    }

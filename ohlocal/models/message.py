"""The SDK's LLM message shapes carried inside events: `Message`, tool calls, thinking blocks."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from ohlocal.models.content import Content, TextContent

Role = Literal["user", "system", "assistant", "tool"]


class ThinkingBlock(msgspec.Struct, kw_only=True, tag_field="type", tag="thinking"):
    thinking: str
    signature: str | None = None


class RedactedThinkingBlock(
    msgspec.Struct, kw_only=True, tag_field="type", tag="redacted_thinking"
):
    data: str


Thinking = ThinkingBlock | RedactedThinkingBlock


class MessageToolCall(msgspec.Struct, kw_only=True):
    id: str
    responses_item_id: str | None = None
    name: str
    arguments: str
    origin: Literal["completion", "responses"] = "completion"


class Message(msgspec.Struct, kw_only=True):
    """One LLM message as the SDK dumps it inside a MessageEvent."""

    role: Role
    content: list[Content] = msgspec.field(default_factory=list)
    tool_calls: list[MessageToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    reasoning_content: str | None = None
    thinking_blocks: list[Thinking] = msgspec.field(default_factory=list)
    # NOTE: the OpenAI Responses reasoning item is kept as the client sent it.
    responses_reasoning_item: dict[str, Any] | None = None


class CriticResult(msgspec.Struct, kw_only=True):
    score: float
    message: str | None
    metadata: dict[str, Any] | None = None


class ErrorClassification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str
    retryable: bool
    user_action: Literal["none", "retry", "settings"] = "none"
    error_id: str | None = None


__all__ = [
    "Content",
    "CriticResult",
    "ErrorClassification",
    "Message",
    "MessageToolCall",
    "RedactedThinkingBlock",
    "Role",
    "TextContent",
    "Thinking",
    "ThinkingBlock",
]

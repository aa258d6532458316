"""The SDK 1.58.2 conversation events: one tagged union (`kind` = class name), field sets copied
from the reference schemas, every kind `extra="forbid"` as the SDK's models are."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import msgspec

from ohlocal.models.content import Content, TextContent
from ohlocal.models.message import (
    CriticResult,
    ErrorClassification,
    Message,
    MessageToolCall,
    Thinking,
)
from ohlocal.tools.models import Action, Observation

Source = Literal["agent", "user", "environment", "hook"]
SecurityRisk = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH"]


def new_event_id() -> str:
    return str(uuid.uuid4())


def event_now() -> str:
    # NOTE: conversation event timestamps are naive server-local ISO strings (recordings).
    return datetime.now().isoformat()


class EventBase(
    msgspec.Struct, kw_only=True, tag_field="kind", tag=True, forbid_unknown_fields=True
):
    """Fields every event has."""

    id: str = msgspec.field(default_factory=new_event_id)
    timestamp: str = msgspec.field(default_factory=event_now)
    source: Source = "environment"
    parent_id: str | None = None


class MessageEvent(EventBase, kw_only=True):
    source: Source
    llm_message: Message
    llm_response_id: str | None = None
    activated_skills: list[str] = msgspec.field(default_factory=list)
    extended_content: list[TextContent] = msgspec.field(default_factory=list)
    sender: str | None = None
    critic_result: CriticResult | None = None


class ActionEvent(EventBase, kw_only=True):
    source: Source = "agent"
    thought: list[TextContent]
    reasoning_content: str | None = None
    thinking_blocks: list[Thinking] = msgspec.field(default_factory=list)
    responses_reasoning_item: dict[str, Any] | None = None
    action: Action | None = None
    tool_name: str
    tool_call_id: str
    tool_call: MessageToolCall
    llm_response_id: str
    security_risk: SecurityRisk = "UNKNOWN"
    critic_result: CriticResult | None = None
    summary: str | None = None


class ObservationEvent(EventBase, kw_only=True):
    tool_name: str
    tool_call_id: str
    observation: Observation
    action_id: str
    extended_content: list[TextContent] = msgspec.field(default_factory=list)


class AgentErrorEvent(EventBase, kw_only=True):
    source: Source = "agent"
    tool_name: str
    tool_call_id: str
    error: str
    classification: ErrorClassification | None = None


class UserRejectObservation(EventBase, kw_only=True):
    tool_name: str
    tool_call_id: str
    rejection_reason: str = "User rejected the action"
    rejection_source: Literal["user", "hook"] = "user"
    action_id: str


class SystemPromptEvent(EventBase, kw_only=True):
    source: Source = "agent"
    system_prompt: TextContent
    # NOTE: tool definitions are the SDK's ToolDefinition dumps; kept as JSON objects.
    tools: list[dict[str, Any]]
    dynamic_context: TextContent | None = None


class ConversationStateUpdateEvent(EventBase, kw_only=True):
    key: str = ""
    value: Any = None


class ConversationErrorEvent(EventBase, kw_only=True):
    source: Source
    code: str
    detail: str
    classification: ErrorClassification | None = None


class PauseEvent(EventBase, kw_only=True):
    source: Source = "user"


class InterruptEvent(EventBase, kw_only=True):
    source: Source = "user"


class Condensation(EventBase, kw_only=True):
    forgotten_event_ids: list[str] = msgspec.field(default_factory=list)
    summary: str | None = None
    summary_offset: int | None = None
    llm_response_id: str


class CondensationRequest(EventBase, kw_only=True):
    pass


class CondensationSummaryEvent(EventBase, kw_only=True):
    summary: str


class LLMCompletionLogEvent(EventBase, kw_only=True):
    filename: str
    log_data: str
    model_name: str = "unknown"
    usage_id: str = "default"


class ServerErrorEvent(EventBase, kw_only=True):
    """Agent-server only: an inbound websocket frame could not be processed."""

    source: Source
    code: str
    detail: str


class StreamingDeltaEvent(EventBase, kw_only=True):
    """Token streaming; sent to live sockets only, never persisted."""

    source: Source = "agent"
    content: str | None = None
    reasoning_content: str | None = None


Event = (
    MessageEvent
    | ActionEvent
    | ObservationEvent
    | AgentErrorEvent
    | UserRejectObservation
    | SystemPromptEvent
    | ConversationStateUpdateEvent
    | ConversationErrorEvent
    | PauseEvent
    | InterruptEvent
    | Condensation
    | CondensationRequest
    | CondensationSummaryEvent
    | LLMCompletionLogEvent
    | ServerErrorEvent
    | StreamingDeltaEvent
)

EVENT_KINDS: frozenset[str] = frozenset(cls.__name__ for cls in Event.__args__)

__all__ = ["Content", "EVENT_KINDS", "Event", "EventBase"]

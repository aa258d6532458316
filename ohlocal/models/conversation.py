"""Agent Server conversations: the start request, `ConversationInfo`, the folded
`ConversationState`, pages, and the bodies of the conversation control routes."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from ohlocal.models.base import Model, to_zone
from ohlocal.models.content import Content
from ohlocal.models.message import Role

JsonObject = dict[str, Any]


class ConversationExecutionStatus(enum.StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    WAITING_FOR_CONFIRMATION = "waiting_for_confirmation"
    FINISHED = "finished"
    ERROR = "error"
    STUCK = "stuck"
    DELETING = "deleting"


TERMINAL_STATUSES = frozenset(
    {
        ConversationExecutionStatus.FINISHED,
        ConversationExecutionStatus.ERROR,
        ConversationExecutionStatus.STUCK,
    }
)


class ConversationSortOrder(enum.StrEnum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    CREATED_AT_DESC = "CREATED_AT_DESC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"


class EventSortOrder(enum.StrEnum):
    TIMESTAMP = "TIMESTAMP"
    TIMESTAMP_DESC = "TIMESTAMP_DESC"


# ----- request bodies (lenient: unknown fields are ignored, as pydantic's extra="ignore") -----


class SendMessageRequest(Model, kw_only=True):
    role: Role = "user"
    content: list[Content] = msgspec.field(default_factory=list)
    run: bool = False


class WorkspaceRequest(msgspec.Struct, kw_only=True):
    working_dir: str | None = None
    kind: str = "LocalWorkspace"


class StartConversationRequest(Model, kw_only=True):
    """`POST /api/conversations`. Fields ohlocal has no use for are accepted and ignored."""

    workspace: WorkspaceRequest = msgspec.field(default_factory=WorkspaceRequest)
    conversation_id: str | None = None
    parent_conversation_id: str | None = None
    confirmation_policy: JsonObject = msgspec.field(
        default_factory=lambda: {"kind": "NeverConfirm"}
    )
    security_analyzer: JsonObject | None = None
    initial_message: SendMessageRequest | None = None
    max_iterations: int = 500
    stuck_detection: bool = True
    # Plain strings or SecretSource objects ({"kind": "StaticSecret" | "LookupSecret", ...}).
    secrets: dict[str, str | JsonObject] = msgspec.field(default_factory=dict)
    tool_module_qualnames: dict[str, str] = msgspec.field(default_factory=dict)
    client_tools: list[JsonObject] = msgspec.field(default_factory=list)
    hook_config: JsonObject | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    autotitle: bool = True
    agent: JsonObject = msgspec.field(default_factory=lambda: {"kind": "Agent"})


class UpdateConversationRequest(Model, kw_only=True):
    title: str | None | msgspec.UnsetType = msgspec.UNSET
    tags: dict[str, str] | None | msgspec.UnsetType = msgspec.UNSET


class ConfirmationResponseRequest(Model, kw_only=True):
    accept: bool
    reason: str = "User rejected the action."


class SetConfirmationPolicyRequest(Model, kw_only=True):
    policy: JsonObject


class SetSecurityAnalyzerRequest(Model, kw_only=True):
    security_analyzer: JsonObject | None


class UpdateSecretsRequest(Model, kw_only=True):
    secrets: dict[str, str | JsonObject]


class AskAgentRequest(Model, kw_only=True):
    question: str


class AskAgentResponse(Model, kw_only=True):
    response: str


class GenerateTitleRequest(Model, kw_only=True):
    """Body of the seed's `generate_title` route (not in the 1.58.2 document)."""

    max_length: int = 50
    llm: dict[str, Any] | None = None


class GenerateTitleResponse(Model, kw_only=True):
    title: str


class AgentResponseResult(Model, kw_only=True):
    response: str


# ----- state and info -----


class Workspace(Model, kw_only=True):
    working_dir: str
    kind: str = "LocalWorkspace"


class SecretRegistry(Model, kw_only=True):
    # NOTE: values are always null here (the reference's `value: null`); lookups keep their url.
    secret_sources: dict[str, JsonObject] = msgspec.field(default_factory=dict)


class ConversationState(Model, kw_only=True):
    """What a conversation is now: its creation request folded with its state-update events.
    Encoded without nulls, this is the `full_state` snapshot's value."""

    id: str
    agent: JsonObject
    workspace: Workspace
    persistence_dir: str | None
    max_iterations: int = 500
    stuck_detection: bool = True
    execution_status: ConversationExecutionStatus = ConversationExecutionStatus.IDLE
    confirmation_policy: JsonObject = msgspec.field(
        default_factory=lambda: {"kind": "NeverConfirm"}
    )
    security_analyzer: JsonObject | None = None
    activated_knowledge_skills: list[str] = msgspec.field(default_factory=list)
    # GAP: path rules are never activated by ohlocal's runner; always empty.
    activated_path_rules: JsonObject = msgspec.field(default_factory=dict)
    invoked_skills: list[str] = msgspec.field(default_factory=list)
    blocked_actions: dict[str, str] = msgspec.field(default_factory=dict)
    blocked_messages: dict[str, str] = msgspec.field(default_factory=dict)
    last_user_message_id: str | None = None
    leaf_event_id: str | None = None
    head_is_empty: bool = True
    stats: JsonObject = msgspec.field(default_factory=lambda: {"usage_to_metrics": {}})
    secret_registry: SecretRegistry = msgspec.field(default_factory=SecretRegistry)
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    agent_state: JsonObject = msgspec.field(default_factory=dict)
    hook_config: JsonObject | None = None


class ConversationInfo(Model, kw_only=True):
    """`GET /api/conversations/{id}`: the state plus metadata, every field emitted."""

    id: str
    workspace: Workspace
    persistence_dir: str | None
    max_iterations: int
    stuck_detection: bool
    execution_status: ConversationExecutionStatus
    confirmation_policy: JsonObject
    security_analyzer: JsonObject | None
    activated_knowledge_skills: list[str]
    invoked_skills: list[str]
    blocked_actions: dict[str, str]
    blocked_messages: dict[str, str]
    last_user_message_id: str | None
    leaf_event_id: str | None
    stats: JsonObject
    secret_registry: SecretRegistry
    agent_state: JsonObject
    hook_config: JsonObject | None
    title: str | None
    metrics: JsonObject | None = None
    created_at: str
    updated_at: str
    forked_from_conversation_id: str | None = None
    forked_from_event_id: str | None = None
    parent_conversation_id: str | None = None
    sub_conversation_ids: list[str] = msgspec.field(default_factory=list)
    tags: dict[str, str]
    current_model_id: str | None = None
    available_models: list[JsonObject] = msgspec.field(default_factory=list)
    supports_runtime_model_switch: bool = False
    launched_agent_profile: JsonObject | None = None
    agent: JsonObject
    client_tools: list[JsonObject]
    tool_module_qualnames: dict[str, str]
    runtime_info: JsonObject | None = None


class ConversationPage(Model, kw_only=True):
    items: list[ConversationInfo]
    next_page_id: str | None = None


class ConversationRecord(msgspec.Struct, kw_only=True):
    """The stored row of a conversation: what was asked at creation, plus title and tags."""

    id: str
    sandbox_id: str
    request: StartConversationRequest
    title: str | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    created_at: str
    updated_at: str


Sort = Literal["asc", "desc"]


def utc_iso(moment: datetime | None = None) -> str:
    """`created_at`/`updated_at` form: UTC with microseconds and a `Z` suffix."""
    return to_zone(moment or datetime.now(UTC), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

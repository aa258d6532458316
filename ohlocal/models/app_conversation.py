"""App Server conversations: `AppConversationStartRequest`, `AppConversationStartTask`,
`AppConversation`, their pages, and the bodies of the message and update routes."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import msgspec

from ohlocal.models.base import Model
from ohlocal.models.content import Content
from ohlocal.models.conversation import ConversationExecutionStatus, SendMessageRequest
from ohlocal.models.sandbox import SandboxStatus

JsonObject = dict[str, Any]


class AppConversationStartTaskStatus(enum.StrEnum):
    WORKING = "WORKING"
    WAITING_FOR_SANDBOX = "WAITING_FOR_SANDBOX"
    PREPARING_REPOSITORY = "PREPARING_REPOSITORY"
    RUNNING_SETUP_SCRIPT = "RUNNING_SETUP_SCRIPT"
    SETTING_UP_GIT_HOOKS = "SETTING_UP_GIT_HOOKS"
    SETTING_UP_SKILLS = "SETTING_UP_SKILLS"
    STARTING_CONVERSATION = "STARTING_CONVERSATION"
    READY = "READY"
    ERROR = "ERROR"


FINAL_TASK_STATUSES = frozenset(
    {AppConversationStartTaskStatus.READY, AppConversationStartTaskStatus.ERROR}
)


class AppConversationStartTaskSortOrder(enum.StrEnum):
    CREATED_AT = "CREATED_AT"
    CREATED_AT_DESC = "CREATED_AT_DESC"
    UPDATED_AT = "UPDATED_AT"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"


class ProviderType(enum.StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    BITBUCKET = "bitbucket"
    BITBUCKET_DATA_CENTER = "bitbucket_data_center"
    FORGEJO = "forgejo"
    AZURE_DEVOPS = "azure_devops"
    ENTERPRISE_SSO = "enterprise_sso"


class ConversationTrigger(enum.StrEnum):
    RESOLVER = "resolver"
    GUI = "gui"
    SUGGESTED_TASK = "suggested_task"
    OPENHANDS_API = "openhands_api"
    SLACK = "slack"
    MICROAGENT_MANAGEMENT = "microagent_management"
    JIRA = "jira"
    JIRA_DC = "jira_dc"
    LINEAR = "linear"
    BITBUCKET = "bitbucket"
    AUTOMATION = "automation"


AgentType = Literal["default", "plan"]

# NOTE: the reference's `secrets` are SecretStr values: echoed masked, never in clear.
MASKED_SECRET = "**********"


class AppConversationStartRequest(Model, kw_only=True):
    """`POST /api/v1/app-conversations` and `stream-start`. Unknown fields are ignored."""

    sandbox_id: str | None = None
    conversation_id: str | None = None
    initial_message: SendMessageRequest | None = None
    system_message_suffix: str | None = None
    # `LoggingCallbackProcessor` and `SetTitleCallbackProcessor` objects, tagged by `kind`.
    processors: list[JsonObject] | None = None
    llm_model: str | None = None
    agent_profile_id: str | None = None
    selected_repository: str | None = None
    selected_branch: str | None = None
    git_provider: ProviderType | None = None
    suggested_task: JsonObject | None = None
    title: str | None = None
    trigger: ConversationTrigger | None = None
    pr_number: list[int] = msgspec.field(default_factory=list)
    parent_conversation_id: str | None = None
    agent_type: AgentType = "default"
    public: bool | None = None
    plugins: list[JsonObject] | None = None
    secrets: dict[str, str] | None = None


class AppConversationStartTask(Model, kw_only=True):
    id: str
    created_by_user_id: str | None = None
    status: AppConversationStartTaskStatus = AppConversationStartTaskStatus.WORKING
    detail: str | None = None
    app_conversation_id: str | None = None
    sandbox_id: str | None = None
    agent_server_url: str | None = None
    request: AppConversationStartRequest
    # NOTE: the reference answers POST and stream-start with `Z` timestamps (objects in memory)
    # and reads from its store without a zone; both forms are reproduced (see to_wire).
    created_at: str
    updated_at: str


class AppConversationStartTaskPage(Model, kw_only=True):
    items: list[AppConversationStartTask]
    next_page_id: str | None = None


class AppConversationRecord(msgspec.Struct, kw_only=True):
    """An app conversation as the store keeps it (internal, never sent as is)."""

    id: str  # 32-character hex
    sandbox_id: str
    working_dir: str
    selected_repository: str | None = None
    selected_branch: str | None = None
    git_provider: ProviderType | None = None
    title: str | None = None
    trigger: ConversationTrigger | None = None
    pr_number: list[int] = msgspec.field(default_factory=list)
    llm_model: str | None = None
    parent_conversation_id: str | None = None
    public: bool | None = None
    created_at: str
    updated_at: str


class AppConversation(Model, kw_only=True):
    id: str
    created_by_user_id: str | None = None
    sandbox_id: str
    selected_repository: str | None = None
    selected_branch: str | None = None
    git_provider: ProviderType | None = None
    title: str | None = None
    trigger: ConversationTrigger | None = None
    pr_number: list[int] = msgspec.field(default_factory=list)
    llm_model: str | None = None
    agent_kind: str = "openhands"
    metrics: JsonObject | None = None
    parent_conversation_id: str | None = None
    sub_conversation_ids: list[str] = msgspec.field(default_factory=list)
    public: bool | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    created_at: str
    updated_at: str
    sandbox_status: SandboxStatus = SandboxStatus.MISSING
    execution_status: ConversationExecutionStatus | None = None
    conversation_url: str | None = None
    session_api_key: str | None = None
    acp_server: str | None = None
    launched_agent_profile: JsonObject | None = None


# Fields of AppConversation that describe the live sandbox; `meta.json` of an export leaves
# them out, as the reference's AppConversationInfo does.
LIVE_FIELDS = ("sandbox_status", "execution_status", "conversation_url", "session_api_key")


class AppConversationPage(Model, kw_only=True):
    items: list[AppConversation]
    next_page_id: str | None = None


class AppConversationUpdateRequest(Model, kw_only=True):
    title: str | None | msgspec.UnsetType = msgspec.UNSET
    public: bool | None | msgspec.UnsetType = msgspec.UNSET
    selected_repository: str | None | msgspec.UnsetType = msgspec.UNSET
    selected_branch: str | None | msgspec.UnsetType = msgspec.UNSET
    git_provider: ProviderType | None | msgspec.UnsetType = msgspec.UNSET


class AppSendMessageRequest(Model, kw_only=True):
    role: Literal["user"] = "user"
    content: Annotated[list[Content], msgspec.Meta(min_length=1)]
    run: bool = True


class AppSendMessageResponse(Model, kw_only=True):
    success: bool
    sandbox_status: SandboxStatus
    message: str | None = None


class PendingMessageRequest(Model, kw_only=True):
    role: Literal["user"] = "user"
    content: list[Content] = msgspec.field(default_factory=list)


class PendingMessageResponse(Model, kw_only=True):
    id: str
    queued: bool
    position: int


class SkillInfo(Model, kw_only=True):
    name: str
    type: str
    content: str
    triggers: list[str] = msgspec.field(default_factory=list)


class SkillsResponse(Model, kw_only=True):
    skills: list[SkillInfo]


class HooksResponse(Model, kw_only=True):
    hooks: list[JsonObject]


class EventKind(enum.StrEnum):
    """The `kind__eq` values the reference App Server accepts, in its order."""

    SERVER_ERROR_EVENT = "ServerErrorEvent"
    ACP_TOOL_CALL_EVENT = "ACPToolCallEvent"
    CONDENSATION = "Condensation"
    CONDENSATION_REQUEST = "CondensationRequest"
    CONDENSATION_SUMMARY_EVENT = "CondensationSummaryEvent"
    CONVERSATION_ERROR_EVENT = "ConversationErrorEvent"
    CONVERSATION_STATE_UPDATE_EVENT = "ConversationStateUpdateEvent"
    HOOK_EXECUTION_EVENT = "HookExecutionEvent"
    LLM_COMPLETION_LOG_EVENT = "LLMCompletionLogEvent"
    ACTION_EVENT = "ActionEvent"
    MESSAGE_EVENT = "MessageEvent"
    AGENT_ERROR_EVENT = "AgentErrorEvent"
    OBSERVATION_EVENT = "ObservationEvent"
    USER_REJECT_OBSERVATION = "UserRejectObservation"
    SYSTEM_PROMPT_EVENT = "SystemPromptEvent"
    STREAMING_DELTA_EVENT = "StreamingDeltaEvent"
    TOKEN_EVENT = "TokenEvent"
    INTERRUPT_EVENT = "InterruptEvent"
    PAUSE_EVENT = "PauseEvent"

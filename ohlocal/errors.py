"""Domain errors. They carry the subject and its ids, never an HTTP status: http_errors.py is the
one place that maps them to responses."""

from __future__ import annotations


class AppError(Exception):
    """Base of every error ohlocal raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(AppError):
    """A setting or the config file is wrong; the message says which and how."""


class NotFound(AppError):
    """The named thing does not exist."""


class SandboxNotFound(NotFound):
    def __init__(self, sandbox_id: str) -> None:
        super().__init__(f"sandbox '{sandbox_id}' not found")
        self.sandbox_id = sandbox_id


class SandboxSpecNotFound(NotFound):
    def __init__(self, spec_id: str) -> None:
        super().__init__(f"sandbox spec '{spec_id}' not found")
        self.spec_id = spec_id


class InvalidInput(AppError):
    """Input that passed decoding but breaks a rule; rendered as a 422 detail list."""

    def __init__(self, loc: tuple[str | int, ...], msg: str, type_: str, input_: object) -> None:
        super().__init__(msg)
        self.loc = loc
        self.type = type_
        self.input = input_


class BadRequest(AppError):
    """A request the reference answers with 400 and a plain detail."""


class Unprocessable(AppError):
    """A request the reference answers with 422 and a plain detail (not a detail list)."""


class OutsideConversationWorkspace(Unprocessable):
    """A conversation-scoped route given a path (`cwd`, `path`, ...) outside the
    conversation's workspace."""

    def __init__(self, name: str, path: str | None) -> None:
        # NOTE: the reference's detail names the parameter only (bash_endpoints.json).
        super().__init__(f"{name} must be inside the conversation workspace")
        self.name = name
        self.path = path


class TrajectoryConversationMismatch(Unprocessable):
    """A conversation-scoped trajectory download for another conversation's id."""

    def __init__(self, conversation_id: str, runtime_conversation_id: str) -> None:
        super().__init__("Trajectory must belong to the selected conversation")
        self.conversation_id = conversation_id
        self.runtime_conversation_id = runtime_conversation_id


class Conflict(AppError):
    """The resource is in a state that does not allow the operation."""


class SandboxNotRunning(Conflict):
    def __init__(self, sandbox_id: str, status: str) -> None:
        super().__init__(f"sandbox '{sandbox_id}' is {status}, not RUNNING")
        self.sandbox_id = sandbox_id
        self.status = status


class Gone(AppError):
    """The resource existed, but what it needs is gone for good."""


class TooManyRequests(AppError):
    """A per-resource limit was reached; the caller may retry later."""


class Unauthorized(AppError):
    """A missing or wrong session API key."""


class BackendError(AppError):
    """The container backend failed; the message says what it was asked and what it answered."""


class BackendUnavailable(BackendError):
    """No usable container backend (Podman missing, its service down, the image absent)."""


# NOTE: the reference answers an unknown bash event or command with the bare detail
# "Not Found"; the id stays on the error for logs.
class BashEventNotFound(NotFound):
    def __init__(self, event_id: str) -> None:
        super().__init__("Not Found")
        self.event_id = event_id


class BashCommandNotFound(NotFound):
    def __init__(self, command_id: str) -> None:
        super().__init__("Not Found")
        self.command_id = command_id


class WorkspaceFileNotFound(NotFound):
    def __init__(self, path: str) -> None:
        super().__init__(f"File not found: {path}")
        self.path = path


class PathNotAllowed(AppError):
    """A sandbox path that is relative, holds `..`, or leads out of the allowed roots."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{reason}: {path}")
        self.path = path


class PathEscapes(PathNotAllowed):
    """A path whose symlinks lead out of the sandbox's workspace."""


class FeatureDisabled(AppError):
    """A feature the reference can turn off, and that ohlocal does not bundle."""


class ConversationNotFound(NotFound):
    def __init__(self, conversation_id: str) -> None:
        # NOTE: the reference's detail text (event_router.py), recorded in event_search_filters.
        super().__init__(f"Conversation not found: {conversation_id}")
        self.conversation_id = conversation_id


class TrajectoryNotFound(NotFound):
    def __init__(self, conversation_id: str) -> None:
        # NOTE: the reference's trajectory download says this, without the id.
        super().__init__("Conversation not found")
        self.conversation_id = conversation_id


class EventNotFound(NotFound):
    def __init__(self, conversation_id: str, event_id: str) -> None:
        # NOTE: the reference answers an unknown event id with the bare "Not Found" detail.
        super().__init__("Not Found")
        self.conversation_id = conversation_id
        self.event_id = event_id


class ConversationAlreadyRunning(Conflict):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation already running: {conversation_id}")
        self.conversation_id = conversation_id


class NoCondenser(Conflict):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation {conversation_id} has no condenser configured")
        self.conversation_id = conversation_id


class ConversationExists(Conflict):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Conversation already exists: {conversation_id}")
        self.conversation_id = conversation_id


class RunnerUnavailable(AppError):
    """No conversation runner is installed in this server; agent work cannot start."""


class ToolError(AppError):
    """A tool call the agent made cannot be run; the message is the AgentErrorEvent `error`."""

    def __init__(self, tool_name: str, message: str) -> None:
        super().__init__(message)
        self.tool_name = tool_name


class UnknownTool(ToolError):
    def __init__(self, tool_name: str, available: list[str]) -> None:
        super().__init__(tool_name, f"Tool '{tool_name}' not found. Available: {available!r}")
        self.available = available


class ToolArgumentError(ToolError):
    """The arguments are not JSON, or do not fit the tool's action model."""


class ToolExecutionError(ToolError):
    """The action is valid but the tool refused to run it (for example `reset` with
    `is_input`)."""


class SettingsNotFound(NotFound):
    def __init__(self) -> None:
        # NOTE: the reference's body is {"error": "Settings not found"} (transcript); see
        # http_errors.ERROR_BODY_ERRORS.
        super().__init__("Settings not found")


class LegacySettingsKeys(AppError):
    """A settings POST with `agent_settings`/`conversation_settings` instead of `*_diff`."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__("Use *_diff nested settings payloads instead of legacy keys")
        self.keys = keys


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key '{key_id}' not found")
        self.key_id = key_id


class AppConversationNotFound(NotFound):
    """An unknown app conversation. The reference words this detail differently per route,
    so the caller passes the text."""

    def __init__(self, conversation_id: str, message: str) -> None:
        super().__init__(message)
        self.conversation_id = conversation_id


class AppConversationSandboxNotRunning(Conflict):
    def __init__(self, conversation_id: str, status: str) -> None:
        super().__init__(f"Sandbox of conversation {conversation_id} is {status}, not RUNNING")
        self.conversation_id = conversation_id
        self.status = status


class AppConversationSandboxMissing(Gone):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Sandbox of conversation {conversation_id} no longer exists")
        self.conversation_id = conversation_id


class AppConversationSandboxFailed(AppError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"Sandbox of conversation {conversation_id} is in ERROR")
        self.conversation_id = conversation_id


class TooManyPendingMessages(TooManyRequests):
    def __init__(self, conversation_id: str, limit: int) -> None:
        super().__init__(
            f"Too many pending messages for conversation {conversation_id}: at most {limit}"
        )
        self.conversation_id = conversation_id


class StartTaskFailed(AppError):
    """A start-task step failed; the message becomes the task's ERROR `detail`."""

"""Action and observation models of the agent's tools, field for field as in SDK 1.58.2.

Every model is `extra="forbid"` in the reference and is tagged by `kind` = its class name, so
`Action` and `Observation` can be nested as tagged unions inside events.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ohlocal.models.content import ImageContent, TextContent

FileEditorCommand = Literal["view", "create", "str_replace", "insert", "undo_edit"]
TaskTrackerCommand = Literal["view", "plan"]
TaskStatus = Literal["todo", "in_progress", "done"]
SecurityRisk = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH"]


class _Tool(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="kind"):
    """Base of every tool action and observation: `kind` carries the class name."""


class _Observation(_Tool, kw_only=True):
    content: list[TextContent | ImageContent] = msgspec.field(default_factory=list)
    is_error: bool = False


# ----- terminal -----


class TerminalAction(_Tool, tag=True, kw_only=True):
    command: str
    is_input: bool = False
    timeout: float | None = None
    reset: bool = False


class CmdOutputMetadata(msgspec.Struct, kw_only=True):
    # NOTE: not `extra="forbid"` in the reference (no additionalProperties in its schema).
    exit_code: int = -1
    pid: int = -1
    username: str | None = None
    hostname: str | None = None
    working_dir: str | None = None
    py_interpreter_path: str | None = None
    prefix: str = ""
    suffix: str = ""


class TerminalObservation(_Observation, tag=True, kw_only=True):
    command: str | None
    exit_code: int | None = None
    timeout: bool = False
    metadata: CmdOutputMetadata = msgspec.field(default_factory=CmdOutputMetadata)
    full_output_save_dir: str | None = None


# ----- file_editor -----


class FileEditorAction(_Tool, tag=True, kw_only=True):
    command: FileEditorCommand
    path: str
    file_text: str | None = None
    old_str: str | None = None
    new_str: str | None = None
    insert_line: int | None = None
    view_range: list[int] | None = None


class FileEditorObservation(_Observation, tag=True, kw_only=True):
    command: FileEditorCommand
    path: str | None = None
    prev_exist: bool = True
    old_content: str | None = None
    new_content: str | None = None


# ----- finish, think -----


class FinishAction(_Tool, tag=True, kw_only=True):
    message: str


class FinishObservation(_Observation, tag=True, kw_only=True):
    pass


class ThinkAction(_Tool, tag=True, kw_only=True):
    thought: str


class ThinkObservation(_Observation, tag=True, kw_only=True):
    pass


# ----- task_tracker -----


class TaskItem(msgspec.Struct, kw_only=True):
    # NOTE: SDK 1.58.2 has no task `id` (later SDKs add one); its schema has no
    # additionalProperties, so unknown fields are ignored rather than refused.
    title: str
    notes: str = ""
    status: TaskStatus = "todo"


class TaskTrackerAction(_Tool, tag=True, kw_only=True):
    command: TaskTrackerCommand = "view"
    task_list: list[TaskItem] = msgspec.field(default_factory=list)


class TaskTrackerObservation(_Observation, tag=True, kw_only=True):
    command: TaskTrackerCommand
    task_list: list[TaskItem] = msgspec.field(default_factory=list)


Action = TerminalAction | FileEditorAction | FinishAction | ThinkAction | TaskTrackerAction
Observation = (
    TerminalObservation
    | FileEditorObservation
    | FinishObservation
    | ThinkObservation
    | TaskTrackerObservation
)

# The tool name of each action type, as the LLM calls it.
TOOL_NAMES: dict[type[Action], str] = {
    TerminalAction: "terminal",
    FileEditorAction: "file_editor",
    FinishAction: "finish",
    ThinkAction: "think",
    TaskTrackerAction: "task_tracker",
}

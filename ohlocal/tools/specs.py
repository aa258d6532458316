"""What the LLM is told about each tool: OpenAI function-format schemas, and the tool entries
of a `SystemPromptEvent`. Names and parameter schemas follow SDK 1.58.2; the prose is ours."""

from __future__ import annotations

import copy
from typing import Any

from ohlocal.errors import UnknownTool

TOOL_ORDER = ("terminal", "file_editor", "task_tracker", "finish", "think")

_SECURITY_RISK: dict[str, Any] = {
    "type": "string",
    "description": "How risky this action is for the user's machine and data.",
    "enum": ["UNKNOWN", "LOW", "MEDIUM", "HIGH"],
}
_SUMMARY: dict[str, Any] = {
    "type": "string",
    "description": "About ten words saying what this call does and to what.",
}


def _params(properties: dict[str, Any], required: list[str], *, risky: bool) -> dict[str, Any]:
    head: dict[str, Any] = {"security_risk": _SECURITY_RISK} if risky else {}
    head["summary"] = _SUMMARY
    return {"type": "object", "properties": {**head, **properties}, "required": required}


_TERMINAL = _params(
    {
        "command": {
            "type": "string",
            "description": (
                "The bash command to run, one at a time (chain with && or ;). Send an empty "
                "string to collect more output of a command that is still running. With "
                "`is_input`, this is text for the running process, or a control key such as "
                "`C-c`."
            ),
        },
        "is_input": {
            "type": "boolean",
            "description": "True to send `command` to the running process instead of the shell.",
        },
        "timeout": {
            "type": "number",
            "description": (
                "Seconds to wait before returning while the command keeps running. Without "
                "it, the call returns once the command has been silent for 30 seconds."
            ),
        },
        "reset": {
            "type": "boolean",
            "description": (
                "True to replace the shell with a fresh one, losing its directory and "
                "variables. Not allowed together with `is_input`."
            ),
        },
    },
    ["command"],
    risky=True,
)

_FILE_EDITOR = _params(
    {
        "command": {
            "type": "string",
            "description": "What to do: view, create, str_replace, insert or undo_edit.",
            "enum": ["view", "create", "str_replace", "insert", "undo_edit"],
        },
        "path": {"type": "string", "description": "Absolute path of the file or directory."},
        "file_text": {"type": "string", "description": "Content of the new file (`create`)."},
        "old_str": {
            "type": "string",
            "description": "Exact text to replace; it must occur once in the file (`str_replace`).",
        },
        "new_str": {
            "type": "string",
            "description": "Replacement text (`str_replace`) or text to add (`insert`).",
        },
        "insert_line": {
            "type": "integer",
            "description": "Line number after which `new_str` goes; 0 means the top (`insert`).",
        },
        "view_range": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "First and last line to show, 1-based; -1 as last means to the end.",
        },
    },
    ["command", "path"],
    risky=True,
)

_TASK_TRACKER = _params(
    {
        "command": {
            "type": "string",
            "description": "`view` shows the task list; `plan` replaces it with `task_list`.",
            "enum": ["view", "plan"],
        },
        "task_list": {
            "type": "array",
            "description": "The whole task list, for `plan`.",
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "Short name of the task."},
                    "notes": {"type": "string", "description": "Details worth keeping."},
                    "status": {
                        "type": "string",
                        "description": "Where the task stands.",
                        "enum": ["todo", "in_progress", "done"],
                    },
                },
                "required": ["title"],
            },
        },
    },
    [],
    risky=False,
)

_FINISH = _params(
    {"message": {"type": "string", "description": "What to tell the user at the end."}},
    ["message"],
    risky=False,
)

_THINK = _params(
    {"thought": {"type": "string", "description": "The reasoning to record."}},
    ["thought"],
    risky=False,
)

_DESCRIPTIONS = {
    "terminal": (
        "Run bash commands in a persistent shell inside the sandbox. The working directory "
        "and exported variables carry over from one call to the next. Long-running commands "
        "return early and can be followed up with more calls."
    ),
    "file_editor": (
        "Look at and change files: view a file with line numbers or list a directory, create "
        "a file, replace one exact occurrence of a string, insert lines, or undo the last edit."
    ),
    "task_tracker": "Keep a task list for multi-step work: view it, or replace it with a plan.",
    "finish": "End the task and hand a final message to the user.",
    "think": "Write down reasoning without acting on anything.",
}

_PARAMETERS = {
    "terminal": _TERMINAL,
    "file_editor": _FILE_EDITOR,
    "task_tracker": _TASK_TRACKER,
    "finish": _FINISH,
    "think": _THINK,
}

# (tool kind, action type, observation type, readOnly, destructive, idempotent, openWorld)
_DEFINITIONS: dict[str, tuple[str, str, str, bool, bool, bool, bool]] = {
    "terminal": ("TerminalTool", "TerminalAction", "TerminalObservation", False, True, False, True),
    "file_editor": (
        "FileEditorTool",
        "FileEditorAction",
        "FileEditorObservation",
        False,
        True,
        False,
        False,
    ),
    "task_tracker": (
        "TaskTrackerTool",
        "TaskTrackerAction",
        "TaskTrackerObservation",
        False,
        False,
        False,
        False,
    ),
    "finish": ("FinishTool", "FinishAction", "FinishObservation", True, False, True, False),
    "think": ("ThinkTool", "ThinkAction", "ThinkObservation", True, False, True, False),
}


def _check(names: list[str]) -> None:
    for name in names:
        if name not in _PARAMETERS:
            raise UnknownTool(name, list(TOOL_ORDER))


def tool_specs(names: list[str]) -> list[dict[str, Any]]:
    """The OpenAI `tools` list offering `names`, in the given order."""
    _check(names)
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": _DESCRIPTIONS[name],
                "parameters": copy.deepcopy(_PARAMETERS[name]),
            },
        }
        for name in names
    ]


def tool_definitions(names: list[str]) -> list[dict[str, Any]]:
    """The `tools` entries of a SystemPromptEvent for `names`."""
    _check(names)
    entries = []
    for name in names:
        kind, action, observation, read_only, destructive, idempotent, open_world = _DEFINITIONS[
            name
        ]
        annotations: dict[str, Any] = {"title": name}
        # NOTE: the reference's think tool has no annotation title (recorded SystemPromptEvent).
        if name == "think":
            annotations = {}
        annotations.update(
            readOnlyHint=read_only,
            destructiveHint=destructive,
            idempotentHint=idempotent,
            openWorldHint=open_world,
        )
        entries.append(
            {
                "description": _DESCRIPTIONS[name],
                "action_type": action,
                "observation_type": observation,
                "annotations": annotations,
                "kind": kind,
                "title": name,
            }
        )
    return entries

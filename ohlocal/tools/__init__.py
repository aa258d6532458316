"""The agent's tools: their LLM schemas, action and observation models, and executors that work
in a sandbox through its helper.

Contract used by the agent loop (ohlocal/services/agent_*):

- `tool_specs(names: list[str]) -> list[dict]`: the OpenAI function-format `tools` list for
  those tool names (`terminal`, `file_editor`, `task_tracker`, `finish`, `think`), parameter
  schemas as in the recordings' `llm_tools`. `tool_definitions(names)` gives the matching
  `SystemPromptEvent.tools` entries. Both raise `UnknownTool` for a name we do not have.
- `decode_arguments(tool_name, raw: str) -> dict`: the tool call's JSON arguments; raises
  `ToolArgumentError` ("... Arguments: unparseable JSON") for malformed JSON.
- `parse_action(tool_name, arguments: dict, tools: Sequence[str] = TOOL_ORDER) -> ParsedAction`:
  validate the LLM's arguments into an action Struct. `tools` is the agent's tool list in its
  order (it appears in the UnknownTool text). `security_risk` and `summary` are popped before
  validation; `ParsedAction` is `(action, security_risk: str | None, summary: str)`, where the
  summary falls back to the reference's `"<tool>: <arguments JSON>"`. Raises `UnknownTool` or
  `ToolArgumentError`; their `.message` is the AgentErrorEvent `error`.
- `ToolHost(conversation_id: str, runtime: SandboxRuntime, secrets: Mapping[str, str] | None,
  *, no_change_timeout=30.0)`: per-conversation executor state (persistent terminal session,
  file undo history, task list). `await host.execute(action) -> Observation`;
  `host.update_secrets(mapping)`; `await host.close()` ends the terminal session. `execute`
  raises `ToolExecutionError` (an AgentErrorEvent in the reference, e.g. `reset` with
  `is_input`) and `BackendError` when the sandbox helper is unreachable.
- Models: `Action`, `Observation` (tagged unions, `kind` = class name) and every action and
  observation Struct, from `ohlocal.tools.models`.
"""

from ohlocal.tools.host import ToolHost
from ohlocal.tools.models import (
    Action,
    CmdOutputMetadata,
    FileEditorAction,
    FileEditorObservation,
    FinishAction,
    FinishObservation,
    Observation,
    TaskItem,
    TaskTrackerAction,
    TaskTrackerObservation,
    TerminalAction,
    TerminalObservation,
    ThinkAction,
    ThinkObservation,
)
from ohlocal.tools.parse import ParsedAction, decode_arguments, parse_action
from ohlocal.tools.specs import TOOL_ORDER, tool_definitions, tool_specs

__all__ = [
    "TOOL_ORDER",
    "Action",
    "CmdOutputMetadata",
    "FileEditorAction",
    "FileEditorObservation",
    "FinishAction",
    "FinishObservation",
    "Observation",
    "ParsedAction",
    "TaskItem",
    "TaskTrackerAction",
    "TaskTrackerObservation",
    "TerminalAction",
    "TerminalObservation",
    "ThinkAction",
    "ThinkObservation",
    "ToolHost",
    "decode_arguments",
    "parse_action",
    "tool_definitions",
    "tool_specs",
]

"""An LLM response as events: ActionEvents for valid tool calls, ActionEvent + AgentErrorEvent
for calls the agent cannot run, or an agent MessageEvent for a plain reply."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ohlocal.models.content import TextContent
from ohlocal.models.events import ActionEvent, AgentErrorEvent, MessageEvent
from ohlocal.models.message import ErrorClassification, Message, MessageToolCall
from ohlocal.tools import ToolArgumentError, UnknownTool, parse_action

if TYPE_CHECKING:
    from ohlocal.llm.types import LLMResponse, ToolCall

# Arguments every tool accepts that are about the call, not the action.
CALL_ONLY_ARGUMENTS = ("summary", "security_risk")
# NOTE: the reference marks a call whose arguments are not JSON with this key (recorded).
MALFORMED_MARKER = "_openhands_malformed_tool_call"
RISK_LEVELS = ("UNKNOWN", "LOW", "MEDIUM", "HIGH")
AGENT_ACTION_ERROR = ErrorClassification(kind="agent_action", retryable=True, user_action="retry")

Planned = tuple[ActionEvent, AgentErrorEvent | None]


def plain_reply(response: LLMResponse) -> MessageEvent:
    return MessageEvent(
        source="agent",
        llm_message=Message(role="assistant", content=[TextContent(text=response.content)]),
        llm_response_id=response.id,
    )


def plan_actions(response: LLMResponse, tool_names: list[str], use_llm_risk: bool) -> list[Planned]:
    """One ActionEvent per tool call, each with the AgentErrorEvent that rejects it, if any.
    The response text becomes the `thought` of the first call only."""
    planned: list[Planned] = []
    for index, call in enumerate(response.tool_calls):
        thought = [TextContent(text=response.content)] if index == 0 and response.content else []
        planned.append(_plan_one(call, thought, response, tool_names, use_llm_risk))
    return planned


def _plan_one(
    call: ToolCall,
    thought: list[TextContent],
    response: LLMResponse,
    tool_names: list[str],
    use_llm_risk: bool,
) -> Planned:
    tool_call = MessageToolCall(id=call.id, name=call.name, arguments=call.arguments)
    base: dict[str, Any] = {
        "thought": thought,
        "tool_name": call.name,
        "tool_call_id": call.id,
        "tool_call": tool_call,
        "llm_response_id": response.id,
        "reasoning_content": response.reasoning_content,
    }
    if call.name not in tool_names:
        error = f"Tool '{call.name}' not found. Available: {tool_names!r}"
        return _rejected(base, error)
    try:
        arguments = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        error = f"Error validating tool '{call.name}': {exc}. Arguments: unparseable JSON"
        marker = json.dumps({MALFORMED_MARKER: True, "error": error})
        base["tool_call"] = MessageToolCall(id=call.id, name=call.name, arguments=marker)
        return _rejected(base, error)
    if not isinstance(arguments, dict):
        return _rejected(base, f"Error validating tool '{call.name}': arguments must be an object")
    call_args = {k: arguments.pop(k) for k in CALL_ONLY_ARGUMENTS if k in arguments}
    try:
        action = parse_action(call.name, arguments)
    except (UnknownTool, ToolArgumentError) as exc:
        return _rejected(base, str(exc))
    summary = call_args.get("summary")
    if not isinstance(summary, str):
        # NOTE: without a summary argument the reference writes "<tool>: <arguments JSON>".
        summary = f"{call.name}: {json.dumps(arguments)}"
    risk = call_args.get("security_risk") if use_llm_risk else None
    event = ActionEvent(
        **base,
        action=action,
        summary=summary,
        security_risk=risk if risk in RISK_LEVELS else "UNKNOWN",
    )
    return event, None


def _rejected(base: dict[str, Any], error: str) -> Planned:
    event = ActionEvent(**base)
    rejection = AgentErrorEvent(
        tool_name=event.tool_name,
        tool_call_id=event.tool_call_id,
        error=error,
        classification=AGENT_ACTION_ERROR,
    )
    return event, rejection


def needs_confirmation(policy: dict[str, Any], actions: list[ActionEvent]) -> bool:
    """Whether the confirmation policy holds these actions back; `finish` never waits."""
    kind = policy.get("kind", "NeverConfirm")
    waiting = [a for a in actions if a.tool_name != "finish"]
    if not waiting or kind == "NeverConfirm":
        return False
    if kind == "AlwaysConfirm":
        return True
    if kind == "ConfirmRisky":
        threshold = RISK_LEVELS.index(str(policy.get("threshold", "HIGH")))
        confirm_unknown = bool(policy.get("confirm_unknown", True))
        for action in waiting:
            if action.security_risk == "UNKNOWN" and confirm_unknown:
                return True
            if (
                action.security_risk != "UNKNOWN"
                and RISK_LEVELS.index(action.security_risk) >= threshold
            ):
                return True
    return False

"""An LLM response as events: ActionEvents for valid tool calls, ActionEvent + AgentErrorEvent
for calls the agent cannot run, or an agent MessageEvent for a plain reply."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ohlocal.errors import ToolArgumentError, UnknownTool
from ohlocal.models.content import TextContent
from ohlocal.models.events import ActionEvent, AgentErrorEvent, MessageEvent, SecurityRisk
from ohlocal.models.message import ErrorClassification, Message, MessageToolCall
from ohlocal.tools import decode_arguments, parse_action

if TYPE_CHECKING:
    from ohlocal.llm.types import LLMResponse, ToolCall

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
        return _rejected(base, UnknownTool(call.name, tool_names).message)
    try:
        arguments = decode_arguments(call.name, call.arguments)
    except ToolArgumentError as exc:
        if isinstance(exc.__context__, json.JSONDecodeError) or "unparseable JSON" in exc.message:
            marker = json.dumps({MALFORMED_MARKER: True, "error": exc.message})
            base["tool_call"] = MessageToolCall(id=call.id, name=call.name, arguments=marker)
        return _rejected(base, exc.message)
    try:
        parsed = parse_action(call.name, arguments, tool_names)
    except (UnknownTool, ToolArgumentError) as exc:
        return _rejected(base, exc.message)
    # NOTE: without a security analyzer the reference records UNKNOWN whatever the LLM said.
    risk: SecurityRisk = "UNKNOWN"
    if use_llm_risk and parsed.security_risk in RISK_LEVELS:
        risk = parsed.security_risk  # type: ignore[assignment]  # checked against the levels
    event = ActionEvent(**base, action=parsed.action, summary=parsed.summary, security_risk=risk)
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

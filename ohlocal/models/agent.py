"""The `agent` object of a conversation: kept as the client sent it, shown with the SDK's
defaults filled in and every secret redacted to null."""

from __future__ import annotations

import copy
from typing import Any

# NOTE: defaults of SDK 1.58.2's `LLM` and `Agent`, as the reference shows them in
# ConversationInfo.agent (recordings); the SDK validates `agent` when it reads a conversation.
LLM_DEFAULTS: dict[str, Any] = {
    "model": "claude-sonnet-4-20250514",
    "api_key": None,
    "provider_connection_id": None,
    "auth_type": "api_key",
    "subscription_vendor": None,
    "base_url": None,
    "api_version": None,
    "aws_access_key_id": None,
    "aws_secret_access_key": None,
    "aws_session_token": None,
    "aws_region_name": None,
    "aws_profile_name": None,
    "aws_role_name": None,
    "aws_session_name": None,
    "aws_bedrock_runtime_endpoint": None,
    "openrouter_site_url": "https://docs.all-hands.dev/",
    "openrouter_app_name": "OpenHands",
    "num_retries": 5,
    "retry_multiplier": 8.0,
    "retry_min_wait": 8,
    "retry_max_wait": 64,
    "timeout": 300,
    "stream_idle_timeout": 300.0,
    "max_message_chars": 30000,
    "temperature": None,
    "top_p": None,
    "top_k": None,
    "max_input_tokens": None,
    "max_output_tokens": None,
    "model_canonical_name": None,
    "api_mode": "auto",
    "capability_overrides": {},
    "extra_headers": None,
    "input_cost_per_token": None,
    "output_cost_per_token": None,
    "ollama_base_url": None,
    "stream": False,
    "drop_params": True,
    "disable_vision": None,
    "disable_stop_word": False,
    "caching_prompt": True,
    "log_completions": False,
    "log_completions_folder": "logs/completions",
    "custom_tokenizer": None,
    "native_tool_calling": True,
    "force_string_serializer": None,
    "inline_image_urls": None,
    "reasoning_effort": "high",
    "reasoning_summary": None,
    "enable_encrypted_reasoning": True,
    "prompt_cache_retention": "24h",
    "extended_thinking_budget": 200000,
    "seed": None,
    "usage_id": "default",
    "litellm_extra_body": {},
    "is_subscription": False,
}
AGENT_DEFAULTS: dict[str, Any] = {
    "tools": [],
    "mcp_config": {},
    "filter_tools_regex": None,
    "include_default_tools": ["FinishTool", "ThinkTool"],
    "agent_context": None,
    "system_prompt": None,
    "system_prompt_filename": "system_prompt.j2",
    "security_policy_filename": "security_policy.j2",
    "system_prompt_kwargs": {"llm_security_analyzer": True},
    "condenser": None,
    "critic": None,
    "tool_concurrency_limit": 1,
    "persona": None,
}
SECRET_LLM_FIELDS = ("api_key", "aws_access_key_id", "aws_secret_access_key", "aws_session_token")


def _llm_view(llm: Any) -> Any:
    if not isinstance(llm, dict):
        return llm
    view = {**LLM_DEFAULTS, **llm}
    for name in SECRET_LLM_FIELDS:
        view[name] = None
    return view


# NOTE: the LLMSummarizingCondenser fields the reference echoes with their defaults (recorded).
SUMMARIZING_CONDENSER_DEFAULTS: dict[str, Any] = {
    "max_tokens": None,
    "minimum_progress": 0.1,
    "hard_context_reset_max_retries": 5,
    "hard_context_reset_context_scaling": 0.8,
}


def _condenser_view(condenser: Any) -> Any:
    if isinstance(condenser, dict) and condenser.get("kind") == "LLMSummarizingCondenser":
        condenser = {**SUMMARIZING_CONDENSER_DEFAULTS, **condenser}
    if isinstance(condenser, dict) and "llm" in condenser:
        return {**condenser, "llm": _llm_view(condenser["llm"])}
    return condenser


def redact_agent(agent: dict[str, Any]) -> dict[str, Any]:
    """The agent as responses and snapshots show it: defaults filled, secrets null."""
    view = copy.deepcopy(agent)
    kind = view.pop("kind", "Agent")
    if kind == "Agent":
        view = {**AGENT_DEFAULTS, **view}
        view["tools"] = [
            {"name": tool.get("name"), "params": tool.get("params", {}), **tool}
            if isinstance(tool, dict)
            else tool
            for tool in view.get("tools", [])
        ]
    if "llm" in view:
        view["llm"] = _llm_view(view["llm"])
    if "condenser" in view:
        view["condenser"] = _condenser_view(view["condenser"])
    view["kind"] = kind
    return view


def llm_usage(agent: dict[str, Any]) -> tuple[str, str] | None:
    """(usage_id, model) of the agent's LLM, when it has one."""
    llm = agent.get("llm")
    if not isinstance(llm, dict):
        return None
    return str(llm.get("usage_id", "default")), str(llm.get("model", LLM_DEFAULTS["model"]))

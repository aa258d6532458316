"""The default `agent_settings` and `conversation_settings` documents that stored settings are
merged over, in the shape the reference's `GET /api/v1/settings` shows them (transcript)."""

from __future__ import annotations

import copy
from typing import Any

# NOTE: field names, order and defaults as recorded in the app-server transcript (schema 4).
_LLM: dict[str, Any] = {
    "model": None,
    "api_key": None,
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
    "max_message_chars": 30000,
    "temperature": None,
    "top_p": None,
    "top_k": None,
    "max_input_tokens": None,
    "max_output_tokens": None,
    "model_canonical_name": None,
    "extra_headers": None,
    "input_cost_per_token": None,
    "output_cost_per_token": None,
    "ollama_base_url": None,
    "stream": False,
    "drop_params": True,
    "modify_params": True,
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

_AGENT_SETTINGS: dict[str, Any] = {
    "schema_version": 4,
    "agent_kind": "openhands",
    "agent": "CodeActAgent",
    "llm": _LLM,
    "tools": None,
    "enable_sub_agents": False,
    "enable_switch_llm_tool": True,
    "tool_concurrency_limit": 1,
    "mcp_config": {},
    "agent_context": {
        "skills": [],
        "system_message_suffix": None,
        "user_message_suffix": None,
        "load_user_skills": False,
        "load_public_skills": False,
        "marketplace_path": "marketplaces/default.json",
        "registered_marketplaces": [],
        "load_project_skills": False,
        "disabled_skills": [],
        "secrets": None,
        "current_datetime": None,
    },
    "condenser": {
        "enabled": True,
        "max_size": 240,
        "condenser_kind": "llm_summarizing",
        "max_tokens": None,
        "keep_first": 2,
        "minimum_progress": 0.1,
        "hard_context_reset_max_retries": 5,
        "hard_context_reset_context_scaling": 0.8,
    },
    "verification": {
        "critic_enabled": False,
        "critic_mode": "finish_and_message",
        "enable_iterative_refinement": False,
        "critic_threshold": 0.6,
        "max_refinement_iterations": 3,
        "critic_server_url": None,
        "critic_model_name": None,
        "critic_api_key": None,
    },
}

_CONVERSATION_SETTINGS: dict[str, Any] = {
    "schema_version": 1,
    "max_iterations": 500,
    "confirmation_mode": False,
    "security_analyzer": "llm",
}

# Paths of secret values inside a settings document; shown as null unless exposed.
SECRET_PATHS: tuple[tuple[str, ...], ...] = (
    ("agent_settings", "llm", "api_key"),
    ("agent_settings", "llm", "aws_access_key_id"),
    ("agent_settings", "llm", "aws_secret_access_key"),
    ("agent_settings", "llm", "aws_session_token"),
    ("agent_settings", "verification", "critic_api_key"),
    ("search_api_key",),
    ("sandbox_api_key",),
)


def default_agent_settings() -> dict[str, Any]:
    return copy.deepcopy(_AGENT_SETTINGS)


def default_conversation_settings() -> dict[str, Any]:
    return copy.deepcopy(_CONVERSATION_SETTINGS)


def deep_merge(base: dict[str, Any], diff: dict[str, Any]) -> dict[str, Any]:
    """`base` with `diff` laid over it: nested objects merge, anything else replaces."""
    merged = dict(base)
    for key, value in diff.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def get_path(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def set_path(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set `path` where its parent objects exist; a missing parent is left alone."""
    node: Any = document
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and path[-1] in node:
        node[path[-1]] = value

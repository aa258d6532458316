"""The LLM that a new app conversation gets: the user's stored settings over the server's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.models.settings_defaults import get_path

if TYPE_CHECKING:
    from ohlocal.settings import Settings


class ConversationLLM(msgspec.Struct, kw_only=True, frozen=True):
    """Effective model, base URL and API key; the key is a secret (never log or echo it)."""

    model: str
    base_url: str | None
    api_key: str | None


def conversation_llm(
    settings: Settings, stored: dict[str, Any] | None, llm_model: str | None = None
) -> ConversationLLM:
    """The LLM of a new conversation: `llm_model` (the start request's) over the user's
    stored `agent_settings.llm` over the server settings (`llm_model`, `llm_base_url`,
    `llm_api_key`). A field the user never set falls back on its own."""
    user = get_path(stored or {}, ("agent_settings", "llm"))
    user = user if isinstance(user, dict) else {}
    model = llm_model or user.get("model") or settings.llm_model
    base_url = user["base_url"] if "base_url" in user else settings.llm_base_url
    api_key = user["api_key"] if user.get("api_key") else settings.llm_api_key
    return ConversationLLM(model=str(model), base_url=base_url, api_key=api_key)

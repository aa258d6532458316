"""The LLM settings of a new app conversation: the one place that reads the server's LLM
defaults for it (user-editable settings plug in here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ohlocal.models.app_conversation import AppConversationStartRequest
    from ohlocal.settings import Settings


def conversation_llm(settings: Settings, request: AppConversationStartRequest) -> dict[str, Any]:
    """`agent.llm` of the conversation: the request's `llm_model`, else the server's model,
    with the server's base URL and API key."""
    llm: dict[str, Any] = {
        "model": request.llm_model or settings.llm_model,
        "base_url": settings.llm_base_url,
        "api_key": settings.llm_api_key,
        "usage_id": "agent",
    }
    return {name: value for name, value in llm.items() if value is not None}

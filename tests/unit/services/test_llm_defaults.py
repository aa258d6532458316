"""The LLM of a new conversation: request model, then user settings, then server settings."""

from __future__ import annotations

from ohlocal.services.llm_defaults import conversation_llm
from ohlocal.settings import build_settings


def test_conversation_llm_layers_user_settings_over_server(tmp_path) -> None:
    server = build_settings(
        home=tmp_path,
        environ={"OHLOCAL_LLM_API_KEY": "server-key"},
        llm_model="server-model",
        llm_base_url="http://server/v1",
    )
    assert conversation_llm(server, None) == conversation_llm(server, {})
    plain = conversation_llm(server, None)
    assert (plain.model, plain.base_url, plain.api_key) == (
        "server-model",
        "http://server/v1",
        "server-key",
    )
    user = {"agent_settings": {"llm": {"model": "user-model", "base_url": None}}}
    mixed = conversation_llm(server, user)
    assert (mixed.model, mixed.base_url, mixed.api_key) == ("user-model", None, "server-key")
    keyed = {"agent_settings": {"llm": {"api_key": "user-key"}}}
    assert conversation_llm(server, keyed, llm_model="asked").model == "asked"
    assert conversation_llm(server, keyed).api_key == "user-key"

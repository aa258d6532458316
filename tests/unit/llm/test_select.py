"""LLM settings and provider selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from ohlocal.errors import ConfigError
from ohlocal.llm.openai_compat import OpenAICompatProvider
from ohlocal.llm.replay import ReplayProvider
from ohlocal.llm.select import LLMProviders
from ohlocal.settings import build_settings
from tests.support.paths import RECORDINGS

RECORDING = RECORDINGS / "plain_message_reply.json"


def test_build_settings_llm_env_names_are_read(tmp_path: Path) -> None:
    env = {"OHLOCAL_LLM_MODEL": "llama3.1", "OHLOCAL_LLM_BASE_URL": "http://127.0.0.1:11434/v1"}
    settings = build_settings(home=tmp_path, environ=env)
    assert (settings.llm_model, settings.llm_base_url) == ("llama3.1", "http://127.0.0.1:11434/v1")


def test_build_settings_replay_without_script_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="llm-script"):
        build_settings(home=tmp_path, environ={}, llm_provider="replay")


def test_providers_pick_replay_per_conversation_and_default_otherwise(tmp_path: Path) -> None:
    providers = LLMProviders(build_settings(home=tmp_path, environ={}, llm_model="m0"))
    config = providers.config({"model": None, "base_url": f"replay://{RECORDING}", "extra": 1})
    assert config.model == "m0"
    assert isinstance(providers.provider(config), ReplayProvider)
    assert providers.provider(config) is providers.provider(config)
    assert isinstance(providers.provider(providers.config(None)), OpenAICompatProvider)


def test_providers_server_replay_mode_overrides_every_conversation(tmp_path: Path) -> None:
    settings = build_settings(
        home=tmp_path, environ={}, llm_provider="replay", llm_script=RECORDING
    )
    providers = LLMProviders(settings)
    config = providers.config({"model": "openai/gpt-4o", "base_url": "https://api.openai.com/v1"})
    assert isinstance(providers.provider(config), ReplayProvider)

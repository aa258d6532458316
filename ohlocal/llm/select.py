"""Which provider answers a conversation, and with which LLM settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.llm.openai_compat import OpenAICompatProvider
from ohlocal.llm.replay import REPLAY_SCHEME, ReplayProvider
from ohlocal.llm.script import ScriptPlayer, load_script
from ohlocal.llm.types import LLMConfig, LLMProvider

if TYPE_CHECKING:
    from ohlocal.settings import Settings

_CONFIG_FIELDS = set(LLMConfig.__struct_fields__)


class LLMProviders:
    """The providers of one server: the OpenAI-compatible client, and one replay player per
    script (conversations naming the same script share its turn list, as in the recordings).

    A conversation is replayed when `agent.llm.base_url` is `replay://<script path>`, or for
    every conversation when the server runs with `llm_provider = "replay"`.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._openai = OpenAICompatProvider(settings.llm_base_url, settings.llm_api_key)
        self._replays: dict[Path, ReplayProvider] = {}

    def config(self, llm: dict[str, Any] | None) -> LLMConfig:
        """LLM settings from a conversation's `agent.llm`, with the server's defaults."""
        raw = {k: v for k, v in (llm or {}).items() if k in _CONFIG_FIELDS and v is not None}
        raw.setdefault("model", self._settings.llm_model)
        return msgspec.convert(raw, LLMConfig, strict=False)

    def provider(self, config: LLMConfig) -> LLMProvider:
        if self._settings.llm_provider == "replay" and self._settings.llm_script is not None:
            return self.replay(self._settings.llm_script)
        if config.base_url and config.base_url.startswith(REPLAY_SCHEME):
            return self.replay(Path(config.base_url[len(REPLAY_SCHEME) :]))
        return self._openai

    def replay(self, path: Path) -> ReplayProvider:
        key = path.expanduser().resolve()
        if key not in self._replays:
            self._replays[key] = ReplayProvider(ScriptPlayer(load_script(key)))
        return self._replays[key]

    async def aclose(self) -> None:
        await self._openai.aclose()

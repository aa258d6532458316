"""The replay provider: answers from an LLM script in-process, as the scripted endpoint of the
recording harness did over HTTP. This is ohlocal's deterministic contract-fixture mode."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio

from ohlocal.llm.completion import parse_completion
from ohlocal.llm.errors import error_for_status

if TYPE_CHECKING:
    from ohlocal.llm.script import ScriptPlayer
    from ohlocal.llm.types import LLMConfig, LLMRequest, LLMResponse

# `agent.llm.base_url` of this form picks the replay provider for one conversation.
REPLAY_SCHEME = "replay://"


class ReplayProvider:
    """Plays one script; every conversation using it consumes the same turn list, in order."""

    def __init__(self, player: ScriptPlayer) -> None:
        self.player = player

    async def complete(self, config: LLMConfig, request: LLMRequest) -> LLMResponse:
        started = time.monotonic()
        answer = self.player.answer({"messages": request.messages, "tools": request.tools})
        if answer.delay:
            await anyio.sleep(answer.delay)
        if answer.status >= 400:
            raise error_for_status(answer.status, answer.body["error"]["message"])
        return parse_completion(answer.body, latency=time.monotonic() - started)

    async def aclose(self) -> None:
        return None

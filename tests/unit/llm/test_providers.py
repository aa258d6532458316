"""The OpenAI-compatible provider against the scripted HTTP server, and the replay provider."""

from __future__ import annotations

import json

import anyio
import pytest

from ohlocal.llm.errors import LLMBadRequestError, LLMServiceUnavailableError
from ohlocal.llm.openai_compat import OpenAICompatProvider, wire_model
from ohlocal.llm.replay import ReplayProvider
from ohlocal.llm.script import LLMScript, ScriptPlayer, load_script
from ohlocal.llm.types import LLMConfig, LLMRequest
from tests.support.paths import RECORDINGS
from tests.support.scripted_llm import ScriptedLLMServer

TOOLS = [{"type": "function", "function": {"name": "terminal", "parameters": {}}}]


def _script() -> LLMScript:
    raw = {
        "turns": [
            {
                "content": "Looking.",
                "tool_calls": [{"name": "terminal", "arguments": {"command": "ls"}}],
            },
            {"tool_calls": [{"name": "terminal", "arguments_raw": '{"command": '}]},
            {"http_error": 400, "content": "bad request text"},
            {"content": "plain answer"},
        ],
        "side_replies": [{"match": "summar", "content": "A summary."}],
    }
    import msgspec

    return msgspec.convert(raw, LLMScript)


def _request(tools: bool = True, text: str = "hi") -> LLMRequest:
    return LLMRequest(messages=[{"role": "user", "content": text}], tools=TOOLS if tools else None)


async def _play(provider, config):
    first = await provider.complete(config, _request())
    second = await provider.complete(config, _request())
    side = await provider.complete(config, _request(tools=False, text="please summarize"))
    with pytest.raises(LLMBadRequestError) as error:
        await provider.complete(config, _request())
    plain = await provider.complete(config, _request())
    done = await provider.complete(config, _request())
    return first, second, side, error.value, plain, done


def _check(first, second, side, error, plain, done) -> None:
    assert first.id == "chatcmpl-fake-0001"
    assert first.content == "Looking."
    assert [(c.id, c.name, json.loads(c.arguments)) for c in first.tool_calls] == [
        ("call_001_0", "terminal", {"command": "ls"})
    ]
    assert first.usage.prompt_tokens == 100 and first.usage.completion_tokens == 20
    assert second.tool_calls[0].arguments == '{"command": '
    assert (side.id, side.content) == ("chatcmpl-side-0001", "A summary.")
    assert error.code == "LLMBadRequestError"
    assert error.detail.endswith("bad request text")
    assert (plain.id, plain.content, plain.tool_calls) == ("chatcmpl-fake-0004", "plain answer", [])
    assert (done.id, done.content) == ("chatcmpl-fake-0005", "done")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_openai_provider_scripted_server_plays_script(stream: bool) -> None:
    with ScriptedLLMServer(_script()) as llm:
        config = LLMConfig(model="openai/fake-model", base_url=llm.base_url, stream=stream)

        async def main():
            provider = OpenAICompatProvider()
            try:
                return await _play(provider, config)
            finally:
                await provider.aclose()

        results = anyio.run(main)
        assert llm.requests[0]["model"] == "fake-model"
        assert [e["kind"] for e in llm.exchanges] == [
            "turn",
            "turn",
            "side",
            "turn",
            "turn",
            "turn",
        ]
    _check(*results)


def test_replay_provider_plays_script() -> None:
    provider = ReplayProvider(ScriptPlayer(_script()))
    _check(*anyio.run(_play, provider, LLMConfig(model="replay")))
    assert provider.player.served == 5


def test_openai_provider_unreachable_raises_service_unavailable() -> None:
    config = LLMConfig(model="m", base_url="http://127.0.0.1:9/v1", num_retries=0)

    async def main():
        provider = OpenAICompatProvider()
        try:
            await provider.complete(config, _request())
        finally:
            await provider.aclose()

    with pytest.raises(LLMServiceUnavailableError):
        anyio.run(main)


def test_wire_model_strips_openai_prefix() -> None:
    assert wire_model("openai/fake-model") == "fake-model"
    assert wire_model("llama3.1:8b") == "llama3.1:8b"


def test_load_script_reads_recording() -> None:
    script = load_script(RECORDINGS / "limits_and_llm_error.json")
    assert script.turns[8].http_error == 400

"""What the agent loop sends to and gets back from any LLM provider."""

from __future__ import annotations

from typing import Any, Protocol

import msgspec


class LLMConfig(msgspec.Struct, kw_only=True, frozen=True):
    """The parts of the SDK's `LLM` settings a provider needs (`agent.llm` of a conversation)."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    num_retries: int = 5
    retry_min_wait: float = 8.0
    retry_max_wait: float = 64.0
    timeout: float = 300.0
    temperature: float | None = None
    max_output_tokens: int | None = None
    stream: bool = False
    usage_id: str = "agent"

    @property
    def display_model(self) -> str:
        return self.model


class ToolCall(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    name: str
    # The arguments exactly as the LLM sent them: a JSON text, possibly malformed.
    arguments: str


class Usage(msgspec.Struct, kw_only=True, frozen=True):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


class LLMResponse(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    content: str
    tool_calls: list[ToolCall] = msgspec.field(default_factory=list)
    finish_reason: str = "stop"
    usage: Usage = msgspec.field(default_factory=Usage)
    latency: float = 0.0
    reasoning_content: str | None = None


class LLMRequest(msgspec.Struct, kw_only=True, frozen=True):
    """OpenAI chat messages and, for agent steps, the function-format tool list."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None


class LLMProvider(Protocol):
    """Anything that answers one chat-completions request. Errors are `LLMError`s."""

    async def complete(self, config: LLMConfig, request: LLMRequest) -> LLMResponse: ...

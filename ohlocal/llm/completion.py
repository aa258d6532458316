"""Reading OpenAI chat-completion bodies and stream chunks into an `LLMResponse`."""

from __future__ import annotations

import json
from typing import Any

from ohlocal.llm.errors import LLMNoResponseError
from ohlocal.llm.types import LLMResponse, ToolCall, Usage


def parse_completion(body: dict[str, Any], latency: float = 0.0) -> LLMResponse:
    """A non-streamed completion body as a response; raises LLMNoResponseError without choices."""
    choices = body.get("choices") or []
    if not choices:
        raise LLMNoResponseError("the LLM answered without any choice")
    choice = choices[0]
    message = choice.get("message") or {}
    calls = [
        ToolCall(
            id=str(call.get("id") or ""),
            name=str(call.get("function", {}).get("name") or ""),
            arguments=_arguments_text(call.get("function", {}).get("arguments")),
        )
        for call in message.get("tool_calls") or []
    ]
    return LLMResponse(
        id=str(body.get("id") or ""),
        content=_content_text(message.get("content")),
        tool_calls=calls,
        finish_reason=str(choice.get("finish_reason") or ("tool_calls" if calls else "stop")),
        usage=parse_usage(body.get("usage")),
        latency=latency,
        reasoning_content=message.get("reasoning_content"),
    )


def parse_usage(raw: dict[str, Any] | None) -> Usage:
    if not raw:
        return Usage()
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    return Usage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0),
        completion_tokens=int(raw.get("completion_tokens") or 0),
        cache_read_tokens=int(prompt_details.get("cached_tokens") or 0),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
    )


class StreamAccumulator:
    """Folds `chat.completion.chunk` objects into one completion body."""

    def __init__(self) -> None:
        self.id = ""
        self.content: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None

    def add(self, chunk: dict[str, Any]) -> None:
        self.id = self.id or str(chunk.get("id") or "")
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.content.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                self._add_call(call)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def _add_call(self, call: dict[str, Any]) -> None:
        entry = self.calls.setdefault(
            int(call.get("index", 0)), {"id": "", "function": {"name": "", "arguments": ""}}
        )
        entry["id"] = call.get("id") or entry["id"]
        function = call.get("function") or {}
        entry["function"]["name"] += function.get("name") or ""
        entry["function"]["arguments"] += function.get("arguments") or ""

    def body(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.content) or None}
        if self.calls:
            message["tool_calls"] = [self.calls[i] for i in sorted(self.calls)]
        return {
            "id": self.id,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self.usage,
        }


def _content_text(content: object) -> str:
    if content is None:
        return ""
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def _arguments_text(arguments: object) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments if arguments is not None else {})

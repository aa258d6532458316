"""OpenAI-compatible chat completions over httpx: OpenAI, Ollama, vLLM, llama.cpp, LM Studio,
a LiteLLM proxy, OpenRouter. Streams with SSE when the LLM settings ask for it."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ohlocal.llm.completion import StreamAccumulator, parse_completion
from ohlocal.llm.errors import (
    LLMError,
    LLMNoResponseError,
    LLMServiceUnavailableError,
    LLMTimeoutError,
    error_for_status,
)

if TYPE_CHECKING:
    from ohlocal.llm.types import LLMConfig, LLMRequest, LLMResponse

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# litellm-style provider prefixes that name the OpenAI wire protocol; the server gets the rest.
OPENAI_PREFIXES = ("openai/", "litellm_proxy/", "hosted_vllm/")
CONNECT_TIMEOUT = 10.0
# Backoff between retries: the LLM settings' minimum, doubled each time, capped by their maximum.
BACKOFF_FACTOR = 2.0


def wire_model(model: str) -> str:
    """The model name the server expects: a litellm `openai/` style prefix is stripped."""
    for prefix in OPENAI_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix) :]
    return model


class OpenAICompatProvider:
    """One shared httpx client; every request carries its conversation's LLM settings."""

    def __init__(self, default_base_url: str | None = None, default_api_key: str | None = None):
        self._default_base_url = default_base_url or DEFAULT_BASE_URL
        self._default_api_key = default_api_key
        self._client = httpx.AsyncClient()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, config: LLMConfig, request: LLMRequest) -> LLMResponse:
        """Send one request, retrying rate limits, 5xx and timeouts with backoff."""
        attempt = 0
        while True:
            try:
                return await self._attempt(config, request)
            except LLMError as exc:
                if not exc.retryable_by_provider or attempt >= config.num_retries:
                    raise
                wait = min(config.retry_min_wait * BACKOFF_FACTOR**attempt, config.retry_max_wait)
                logger.warning(
                    "llm call failed, retrying code=%s attempt=%d wait=%.1f",
                    exc.code,
                    attempt + 1,
                    wait,
                )
                attempt += 1
                await anyio.sleep(wait)

    async def _attempt(self, config: LLMConfig, request: LLMRequest) -> LLMResponse:
        url = (config.base_url or self._default_base_url).rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        api_key = config.api_key or self._default_api_key
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        body = _request_body(config, request)
        timeout = httpx.Timeout(config.timeout, connect=CONNECT_TIMEOUT)
        started = time.monotonic()
        logger.debug(
            "llm request url=%s model=%s messages=%d", url, body["model"], len(body["messages"])
        )
        try:
            if config.stream:
                completion = await self._stream(url, headers, body, timeout)
            else:
                completion = await self._post(url, headers, body, timeout)
        except httpx.TimeoutException as exc:
            raise LLMTimeoutError(f"request to {url} timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise LLMServiceUnavailableError(f"cannot reach {url}: {exc!r}") from exc
        return parse_completion(completion, latency=time.monotonic() - started)

    async def _post(
        self, url: str, headers: dict[str, str], body: dict[str, Any], timeout: httpx.Timeout
    ) -> dict[str, Any]:
        response = await self._client.post(url, headers=headers, json=body, timeout=timeout)
        if response.status_code >= 400:
            raise error_for_status(response.status_code, _error_message(response.text))
        try:
            parsed: dict[str, Any] = response.json()
        except ValueError as exc:
            raise LLMNoResponseError(f"the LLM answered with non-JSON: {exc}") from exc
        return parsed

    # GAP: no StreamingDeltaEvents: chunks are assembled before the ActionEvent is written;
    # closes when the loop publishes deltas through EventLog.publish_transient.
    async def _stream(
        self, url: str, headers: dict[str, str], body: dict[str, Any], timeout: httpx.Timeout
    ) -> dict[str, Any]:
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        accumulator = StreamAccumulator()
        async with self._client.stream(
            "POST", url, headers=headers, json=body, timeout=timeout
        ) as response:
            if response.status_code >= 400:
                text = (await response.aread()).decode(errors="replace")
                raise error_for_status(response.status_code, _error_message(text))
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    break
                accumulator.add(json.loads(data))
        return accumulator.body()


def _request_body(config: LLMConfig, request: LLMRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"model": wire_model(config.model), "messages": request.messages}
    if request.tools:
        body["tools"] = request.tools
    if config.temperature is not None:
        body["temperature"] = config.temperature
    if config.max_output_tokens is not None:
        body["max_tokens"] = config.max_output_tokens
    return body


def _error_message(text: str) -> str:
    """The `error.message` of an OpenAI-style error body, else the body text itself."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return text.strip()
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if parsed.get("detail"):
            return str(parsed["detail"])
    return text.strip()

"""Token usage per LLM (`usage_id`), in the two shapes of the reference's `stats` state field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ohlocal.llm.types import LLMResponse


class UsageMetrics:
    """The accumulated usage of one conversation, across its LLMs."""

    def __init__(self) -> None:
        self._by_usage: dict[str, dict[str, Any]] = {}

    def record(self, usage_id: str, model: str, response: LLMResponse) -> None:
        entry = self._by_usage.setdefault(usage_id, _empty(model))
        usage = response.usage
        turn = _token_usage(model, response)
        total = entry["accumulated_token_usage"]
        for field in (
            "prompt_tokens",
            "completion_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
        ):
            total[field] += turn[field]
        total["per_turn_token"] = usage.prompt_tokens + usage.completion_tokens
        entry["response_latencies"].append(
            {"model": model, "latency": response.latency, "response_id": response.id}
        )
        entry["token_usages"].append(turn)

    def load(self, stats: dict[str, Any] | None) -> None:
        """Continue from a stored `stats` value (the full form)."""
        for usage_id, entry in ((stats or {}).get("usage_to_metrics") or {}).items():
            base = _empty(str(entry.get("model_name", "")))
            base.update(entry)
            self._by_usage[usage_id] = base

    def full(self) -> dict[str, Any]:
        """`stats` as the conversation state holds it: costs, latencies and per-call usage."""
        return {"usage_to_metrics": {k: dict(v) for k, v in self._by_usage.items()}}

    def snapshot(self) -> dict[str, Any]:
        """`stats` as a state-update event carries it: the accumulated figures only."""
        keep = ("model_name", "accumulated_cost", "max_budget_per_task", "accumulated_token_usage")
        return {
            "usage_to_metrics": {
                k: {name: v[name] for name in keep} for k, v in self._by_usage.items()
            }
        }


def _empty(model: str) -> dict[str, Any]:
    return {
        "model_name": model,
        "accumulated_cost": 0.0,
        "max_budget_per_task": None,
        "accumulated_token_usage": {
            "model": model,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "context_window": 0,
            "per_turn_token": 0,
            # NOTE: the reference leaves the accumulated entry's response_id empty.
            "response_id": "",
        },
        "costs": [],
        "response_latencies": [],
        "token_usages": [],
    }


def _token_usage(model: str, response: LLMResponse) -> dict[str, Any]:
    usage = response.usage
    return {
        "model": model,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cache_read_tokens": usage.cache_read_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "context_window": 0,
        "per_turn_token": usage.prompt_tokens + usage.completion_tokens,
        "response_id": response.id,
    }


def usage_to_metrics(metrics: UsageMetrics) -> dict[str, Any]:
    """The `stats` snapshot for a state-update event."""
    return metrics.snapshot()

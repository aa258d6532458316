"""50 concurrent conversations on a real `ohlocal serve` with the replay LLM finish without
errors within a time budget (figures: `python bench/load_bench.py`)."""

from __future__ import annotations

from bench.load_bench import run_load

CONVERSATIONS = 50
TIME_BUDGET = 90.0


def test_fifty_concurrent_conversations_finish_without_errors() -> None:
    result = run_load(CONVERSATIONS, backend="process")
    assert result.errors == []
    assert result.finished == CONVERSATIONS
    assert result.seconds < TIME_BUDGET, result.summary()

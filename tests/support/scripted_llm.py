"""The scripted LLM server now lives in `ohlocal.replay.scripted_llm`; this module keeps the
`python -m tests.support.scripted_llm SCRIPT` entry point the SDK check scripts use."""

from __future__ import annotations

from ohlocal.replay.scripted_llm import ScriptedLLMServer, main

__all__ = ["ScriptedLLMServer", "main"]

if __name__ == "__main__":
    main()

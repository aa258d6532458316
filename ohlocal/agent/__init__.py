"""The agent loop's helpers: LLM messages from the event log, prompts, steps, condensation and
stuck detection. `ohlocal/services/agent_runner.py` drives them."""

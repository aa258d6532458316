"""LLM providers for the agent loop: an OpenAI-compatible chat-completions client and a replay
provider that plays a scripted conversation (the contract-fixture mode)."""

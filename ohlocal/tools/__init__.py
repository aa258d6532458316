"""The agent's tools: their LLM schemas, action and observation models, and executors that work
in a sandbox through its helper.

Contract used by the agent loop (ohlocal/services/agent_*):

- `tool_specs(names) -> list[dict]`: the OpenAI function-format `tools` list for those tool
  names (`terminal`, `file_editor`, `task_tracker`, `finish`, `think`), parameter schemas as in
  the recordings' `llm_tools`.
- `parse_action(tool_name, arguments) -> Action`: validate the LLM's arguments into an action
  Struct; raises `UnknownTool` or `ToolArgumentError` (message = the AgentErrorEvent text).
- `ToolHost(conversation_id, runtime, secrets)`: per-conversation executor state (the
  persistent terminal session); `await host.execute(action) -> Observation`;
  `await host.close()` ends the terminal session.
"""

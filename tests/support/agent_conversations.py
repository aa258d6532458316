"""Agent-server conversations for the conversation-scoped route tests: created without an
initial message, so no LLM is needed."""

from __future__ import annotations

from typing import Any

AGENT = {
    "kind": "Agent",
    "llm": {"model": "openai/fake-model", "api_key": "sk-secret-value", "usage_id": "agent"},
    "tools": [{"name": "terminal"}, {"name": "file_editor"}],
}
UNKNOWN_ID = "11111111-2222-3333-4444-555555555555"


def create_conversation(sandbox, working_dir: str | None = None) -> dict[str, Any]:
    """A new conversation of `sandbox` in `working_dir` (default: the sandbox's)."""
    workspace = {"kind": "LocalWorkspace", "working_dir": working_dir or sandbox.workdir}
    response = sandbox.post("/api/conversations", json={"workspace": workspace, "agent": AGENT})
    assert response.status_code == 201, response.text
    info: dict[str, Any] = response.json()
    return info


def scoped(conversation: dict[str, Any], path: str) -> str:
    """`path` under the conversation's scoped prefix: `/api/conversations/{id}{path}`."""
    return f"/api/conversations/{conversation['id']}{path}"

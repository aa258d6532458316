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


def assert_invalid_uuid(response: Any, name: str) -> None:
    """The reference's 422 for a path parameter that is not a UUID."""
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["path", name]


def get_from_another_sandbox(sandbox: Any, start_sandbox: Any, path: str) -> Any:
    """GET `path` (with `{cid}` standing for a new conversation of `sandbox`) on another
    sandbox of the same server, started by `start_sandbox(client)`."""
    conversation = create_conversation(sandbox)
    other = start_sandbox(sandbox.client)
    return other.get(path.format(cid=conversation["id"]))

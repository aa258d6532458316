"""`POST {AGENT_SERVER}/api/conversations/{id}/generate_title` with the real runner."""

from __future__ import annotations

from typing import Any

LLM_DOWN = {"model": "m", "base_url": "http://127.0.0.1:9/v1", "api_key": "k", "num_retries": 0}


def _conversation(client, message: str) -> tuple[str, dict[str, str], str]:
    sandbox = client.post("/api/v1/sandboxes").json()
    base = f"/agent/{sandbox['id']}"
    headers = {"X-Session-API-Key": sandbox["session_api_key"]}
    body: dict[str, Any] = {
        "agent": {"kind": "Agent", "llm": LLM_DOWN},
        "initial_message": {
            "role": "user",
            "content": [{"type": "text", "text": message}],
            "run": False,
        },
    }
    created = client.post(f"{base}/api/conversations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return base, headers, created.json()["id"]


def test_generate_title_falls_back_to_the_first_words_without_an_llm(client) -> None:
    base, headers, cid = _conversation(client, "Fix the flaky login test in the CI pipeline")
    response = client.post(
        f"{base}/api/conversations/{cid}/generate_title",
        json={"max_length": 20},
        headers=headers,
    )
    assert response.status_code == 200
    title = response.json()["title"]
    assert 0 < len(title) <= 20
    assert title.startswith("Fix the")


def test_generate_title_rejects_a_zero_length(client) -> None:
    base, headers, cid = _conversation(client, "hello")
    response = client.post(
        f"{base}/api/conversations/{cid}/generate_title", json={"max_length": 0}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "max_length"]


def test_generate_title_unknown_conversation_returns_404(client) -> None:
    base, headers, _ = _conversation(client, "hello")
    response = client.post(
        f"{base}/api/conversations/{'0' * 32}/generate_title", json={}, headers=headers
    )
    assert response.status_code == 404

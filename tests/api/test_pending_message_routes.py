"""Pending messages: queued while a start task works (at most 10), delivered at READY; sent at
once to a READY conversation."""

from __future__ import annotations

import uuid

from tests.support.app_conversations import bare_repository, start, wait_task


def _queue(client, key: str, text: str):
    body = {"role": "user", "content": [{"type": "text", "text": text}]}
    return client.post(f"/api/v1/conversations/{key}/pending-messages", json=body)


def _message_texts(client, cid: str) -> list[str]:
    items = client.get(
        f"/api/v1/conversation/{cid}/events/search", params={"kind__eq": "MessageEvent"}
    ).json()["items"]
    return [e["llm_message"]["content"][0]["text"] for e in items if e["source"] == "user"]


def test_pending_messages_queue_until_ready_then_deliver(app_client, tmp_path):
    bare = bare_repository(tmp_path, {".openhands/setup.sh": "sleep 1.5\n"})
    task = app_client.post(
        "/api/v1/app-conversations", json={"selected_repository": str(bare)}
    ).json()
    responses = [_queue(app_client, task["id"], f"message {n}") for n in range(11)]
    assert [r.status_code for r in responses] == [201] * 10 + [429]
    first = responses[0].json()
    assert first["queued"] is True and first["position"] == 1 and len(first["id"]) == 32
    assert responses[9].json()["position"] == 10
    _, ready = wait_task(app_client, task["id"])
    assert ready["status"] == "READY", ready
    cid = ready["app_conversation_id"]
    assert _message_texts(app_client, cid) == [f"message {n}" for n in range(10)]


def test_pending_message_to_ready_conversation_is_sent_at_once(app_client):
    task = start(app_client)
    response = _queue(app_client, task["app_conversation_id"], "now")
    assert response.status_code == 201 and response.json()["queued"] is False
    assert _message_texts(app_client, task["app_conversation_id"]) == ["now"]
    by_task = _queue(app_client, task["id"], "by task id")
    assert by_task.json()["queued"] is False


def test_pending_message_unknown_id_returns_404(app_client):
    assert _queue(app_client, uuid.uuid4().hex, "x").status_code == 404
    assert _queue(app_client, "not-an-id", "x").status_code == 404
    bad = app_client.post(
        f"/api/v1/conversations/{uuid.uuid4().hex}/pending-messages", json={"role": "x"}
    )
    assert bad.status_code == 422

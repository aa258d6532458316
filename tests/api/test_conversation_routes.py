"""Conversation routes: create (201), get, batch, search, count, patch, delete, control routes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.api.conftest import add_running_sandbox
from tests.api.test_event_routes import append_raw
from tests.support.recording import load_recording

if TYPE_CHECKING:
    from tests.api.conftest import Agent

MESSAGE = {"role": "user", "content": [{"type": "text", "text": "hello"}], "run": True}


def test_start_conversation_returns_201_with_reference_shape(agent: Agent):
    recorded = load_recording("event_search_filters")["transcript"][0]
    info = agent.create(**recorded["request_body"])
    assert set(info) == set(recorded["response_body"])
    assert set(info["agent"]) == set(recorded["response_body"]["agent"])
    assert set(info["agent"]["llm"]) == set(recorded["response_body"]["agent"]["llm"])
    assert info["agent"]["llm"]["api_key"] is None
    assert info["execution_status"] == "idle"
    assert info["created_at"].endswith("Z") and info["updated_at"].endswith("Z")
    assert info["persistence_dir"] == "workspace/conversations/" + info["id"].replace("-", "")


def test_start_conversation_ignores_unknown_fields_and_defaults_working_dir(agent: Agent):
    response = agent.post(
        "/api/conversations",
        json={
            "agent": {"kind": "Agent", "llm": {"model": "m"}},
            "workspace": {"type": "x"},
            "stuck_detection_thresholds": {"a": 1},
            "sender": "sdk",
        },
    )
    assert response.status_code == 201, response.text
    sandboxes = agent.client.app.state.services.sandboxes
    with agent.client.portal() as portal:
        runtime = portal.call(sandboxes.runtime, agent.sandbox_id)
    assert response.json()["workspace"] == {
        "working_dir": runtime.working_dir,
        "kind": "LocalWorkspace",
    }


def test_start_conversation_with_initial_message_records_it(agent: Agent):
    info = agent.create(initial_message=MESSAGE)
    assert info["last_user_message_id"] is not None
    events = agent.get(f"/api/conversations/{info['id']}/events/search").json()["items"]
    assert [e["kind"] for e in events] == ["MessageEvent", "ConversationStateUpdateEvent"]


def test_start_conversation_with_given_id_is_idempotent(agent: Agent):
    cid = "5f0c2a1e-8d3b-4c6a-9e7f-0a1b2c3d4e5f"
    first = agent.create(conversation_id=cid)
    again = agent.create(conversation_id=cid.replace("-", ""))
    assert first["id"] == again["id"] == cid


def test_get_conversation_accepts_hex_and_dashed_ids(agent: Agent):
    cid = agent.create()["id"]
    for form in (cid, cid.replace("-", "")):
        response = agent.get(f"/api/conversations/{form}")
        assert response.status_code == 200 and response.json()["id"] == cid


def test_get_conversation_unknown_id_returns_404(agent: Agent):
    cid = "00000000-0000-0000-0000-000000000001"
    response = agent.get(f"/api/conversations/{cid}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Conversation not found: {cid}"}


def test_get_conversation_malformed_id_returns_422(agent: Agent):
    response = agent.get("/api/conversations/zzz")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "uuid_parsing"


def test_batch_get_conversations_returns_null_for_unknown(agent: Agent):
    cid = agent.create()["id"]
    response = agent.get(
        "/api/conversations", params={"ids": [cid, "00000000-0000-0000-0000-000000000000"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body[0]["id"] == cid and body[1] is None


def test_search_conversations_pages_by_hex_id(agent: Agent):
    ids = [agent.create()["id"] for _ in range(5)]
    seen, page_id = [], None
    while True:
        params = {"limit": 2, "sort_order": "CREATED_AT"} | (
            {"page_id": page_id} if page_id else {}
        )
        page = agent.get("/api/conversations/search", params=params).json()
        seen += [item["id"] for item in page["items"]]
        page_id = page["next_page_id"]
        if page_id is None:
            break
        assert "-" not in page_id
    assert seen == ids
    assert agent.get("/api/conversations/count").json() == 5
    assert agent.get("/api/conversations/count", params={"status": "running"}).json() == 0
    assert agent.get("/api/conversations/search", params={"limit": 101}).status_code == 422


def test_search_conversations_filters_by_status(agent: Agent):
    cid = agent.create()["id"]
    agent.create()
    assert agent.post(f"/api/conversations/{cid}/run").status_code == 200
    page = agent.get("/api/conversations/search", params={"status": "running"}).json()
    assert [item["id"] for item in page["items"]] == [cid]


def test_run_while_running_returns_409(agent: Agent):
    cid = agent.create()["id"]
    assert agent.post(f"/api/conversations/{cid}/run").json() == {"success": True}
    response = agent.post(f"/api/conversations/{cid}/run")
    assert response.status_code == 409
    assert "detail" in response.json()


def test_condense_without_condenser_returns_409(agent: Agent):
    cid = agent.create()["id"]
    assert agent.post(f"/api/conversations/{cid}/condense").status_code == 409


def test_control_routes_answer_success(agent: Agent):
    cid = agent.create()["id"]
    base = f"/api/conversations/{cid}"
    assert agent.post(base + "/pause").json() == {"success": True}
    assert agent.post(base + "/interrupt").json() == {"success": True}
    assert (
        agent.post(base + "/events/respond_to_confirmation", json={"accept": False}).status_code
        == 200
    )
    assert (
        agent.post(
            base + "/confirmation_policy", json={"policy": {"kind": "AlwaysConfirm"}}
        ).status_code
        == 200
    )
    assert agent.get(base).json()["confirmation_policy"] == {"kind": "AlwaysConfirm"}
    assert (
        agent.post(base + "/confirmation_policy", json={"kind": "NeverConfirm"}).status_code == 200
    )
    assert agent.get(base).json()["confirmation_policy"] == {"kind": "NeverConfirm"}
    assert (
        agent.post(base + "/security_analyzer", json={"security_analyzer": None}).status_code == 200
    )
    assert agent.post(base + "/ask_agent", json={"question": "q"}).json() == {"response": "echo: q"}
    assert agent.get(base).json()["execution_status"] == "paused"


def test_control_routes_unknown_conversation_return_404(agent: Agent):
    base = "/api/conversations/00000000-0000-0000-0000-000000000002"
    for path in ("/run", "/pause", "/interrupt", "/condense"):
        assert agent.post(base + path).status_code == 404


def test_secrets_are_never_shown(agent: Agent):
    info = agent.create(secrets={"INITIAL": {"kind": "StaticSecret", "value": "init-value-123"}})
    cid = info["id"]
    agent.post(
        f"/api/conversations/{cid}/secrets", json={"secrets": {"TOKEN": "tok-abcdef-987654"}}
    )
    registry = agent.get(f"/api/conversations/{cid}").json()["secret_registry"]["secret_sources"]
    assert registry == {
        "INITIAL": {"description": None, "value": None, "kind": "StaticSecret"},
        "TOKEN": {"description": None, "value": None, "kind": "StaticSecret"},
    }
    dumped = json.dumps(agent.get(f"/api/conversations/{cid}/events/search").json())
    dumped += json.dumps(agent.get(f"/api/conversations/{cid}").json())
    assert "init-value-123" not in dumped and "tok-abcdef-987654" not in dumped
    log = agent.client.app.state.services.event_log
    with agent.client.portal() as portal:
        assert portal.call(log.secrets, cid) == {
            "INITIAL": "init-value-123",
            "TOKEN": "tok-abcdef-987654",
        }


def test_patch_conversation_sets_title_and_tags(agent: Agent):
    cid = agent.create()["id"]
    response = agent.request(
        "PATCH", f"/api/conversations/{cid}", json={"title": "T", "tags": {"a": "b"}}
    )
    assert response.status_code == 200 and response.json() == {"success": True}
    info = agent.get(f"/api/conversations/{cid}").json()
    assert info["title"] == "T" and info["tags"] == {"a": "b"}
    agent.request("PATCH", f"/api/conversations/{cid}", json={"tags": {}})
    assert agent.get(f"/api/conversations/{cid}").json()["title"] == "T"


def test_delete_conversation_calls_runner_and_removes_it(agent: Agent):
    cid = agent.create(initial_message=MESSAGE)["id"]
    response = agent.request("DELETE", f"/api/conversations/{cid}")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert agent.get(f"/api/conversations/{cid}").status_code == 404
    assert agent.request("DELETE", f"/api/conversations/{cid}").status_code == 404
    assert [str(c) for c in agent.client.app.state.services.runner.deleted] == [cid]


def test_agent_final_response_reads_the_log(agent: Agent):
    recording = load_recording("terminal_file_editor_finish")
    cid = agent.create()["id"]

    append_raw(agent, cid, recording["conversations"]["cid"]["events"])
    response = agent.get(f"/api/conversations/{cid}/agent_final_response")
    expected = [t for t in recording["transcript"] if t["path"].endswith("agent_final_response")]
    assert response.status_code == 200
    assert response.json() == expected[-1]["response_body"]


def test_conversation_in_another_sandbox_is_not_found(agent: Agent):

    cid = agent.create()["id"]
    other = add_running_sandbox(agent.client.app, agent.client)
    response = agent.client.get(
        f"/agent/{other.id}/api/conversations/{cid}",
        headers={"X-Session-API-Key": other.session_api_key},
    )
    assert response.status_code == 404


def test_server_info_ready_and_openapi(agent: Agent):
    info = agent.client.get(agent.base + "/server_info").json()
    assert info["version"] == "1.58.2" and "terminal" in info["usable_tools"]
    assert agent.client.get(agent.base + "/ready").status_code == 200
    paths = agent.get("/openapi.json").json()["paths"]
    assert "/api/conversations/{conversation_id}/events/search" in paths
    assert not any(p.startswith("/api/v1") for p in paths)

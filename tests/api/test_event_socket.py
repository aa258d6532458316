"""The events websocket: snapshot first, resend modes, live events, auth and close codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from litestar.exceptions import WebSocketDisconnect

from ohlocal.agent_server import event_socket_routes

if TYPE_CHECKING:
    from tests.api.conftest import Agent

TEXT = {"role": "user", "content": [{"type": "text", "text": "hi"}]}


def _socket_path(agent: Agent, cid: str, query: str = "") -> str:
    return f"{agent.base}/sockets/events/{cid}" + (f"?{query}" if query else "")


def _send_messages(agent: Agent, cid: str, n: int) -> list[dict[str, Any]]:
    for i in range(n):
        agent.post(
            f"/api/conversations/{cid}/events",
            json={"content": [{"type": "text", "text": f"m{i}"}]},
        )
    items: list[dict[str, Any]] = agent.get(f"/api/conversations/{cid}/events/search").json()[
        "items"
    ]
    return items


def test_socket_first_frame_is_full_state_and_not_persisted(agent: Agent):
    cid = agent.create()["id"]
    with agent.client.websocket_connect(_socket_path(agent, cid), headers=agent.headers) as ws:
        first = ws.receive_json()
    assert first["kind"] == "ConversationStateUpdateEvent" and first["key"] == "full_state"
    assert first["value"]["execution_status"] == "idle"
    assert first["value"]["agent"]["llm"]["api_key"] is None
    assert "security_analyzer" not in first["value"]
    assert agent.get(f"/api/conversations/{cid}/events/count").json() == 0


def test_socket_resend_all_sends_history_after_snapshot(agent: Agent):
    cid = agent.create()["id"]
    history = _send_messages(agent, cid, 3)
    for query in ("resend_mode=all", f"resend_all=true&session_api_key={agent.key}"):
        headers = agent.headers if "session_api_key" not in query else {}
        with agent.client.websocket_connect(_socket_path(agent, cid, query), headers=headers) as ws:
            assert ws.receive_json()["key"] == "full_state"
            frames = [ws.receive_json() for _ in history]
        assert frames == history


def test_socket_resend_since_is_inclusive(agent: Agent):
    cid = agent.create()["id"]
    history = _send_messages(agent, cid, 3)
    since = history[2]["timestamp"]
    query = f"resend_mode=since&after_timestamp={since}"
    with agent.client.websocket_connect(
        _socket_path(agent, cid, query), headers=agent.headers
    ) as ws:
        ws.receive_json()
        frames = [ws.receive_json() for _ in history[2:]]
    assert [f["id"] for f in frames] == [e["id"] for e in history[2:]]


def test_socket_streams_live_events_and_takes_messages(agent: Agent):
    cid = agent.create()["id"]
    with agent.client.websocket_connect(_socket_path(agent, cid), headers=agent.headers) as ws:
        ws.receive_json()
        agent.post(
            f"/api/conversations/{cid}/events", json={"content": [{"type": "text", "text": "rest"}]}
        )
        assert ws.receive_json()["kind"] == "MessageEvent"
        assert ws.receive_json()["key"] == "last_user_message_id"
        ws.send_json({**TEXT, "extra": "ignored"})
        message = ws.receive_json()
        assert (
            message["kind"] == "MessageEvent"
            and message["llm_message"]["content"][0]["text"] == "hi"
        )
    calls = agent.client.app.state.services.runner.calls
    assert [c[1].run for c in calls if c[0] == "send_message"] == [False, True]


def test_socket_bad_frame_gets_server_error_and_stays_open(agent: Agent):
    cid = agent.create()["id"]
    with agent.client.websocket_connect(_socket_path(agent, cid), headers=agent.headers) as ws:
        ws.receive_json()
        ws.send_text("not json")
        error = ws.receive_json()
        assert error["kind"] == "ServerErrorEvent" and error["detail"]
        ws.send_json({"role": "nobody", "content": []})
        assert ws.receive_json()["kind"] == "ServerErrorEvent"
        ws.send_json(TEXT)
        assert ws.receive_json()["kind"] == "MessageEvent"


def test_socket_first_message_auth_accepts_the_key(agent: Agent):
    cid = agent.create()["id"]
    with agent.client.websocket_connect(_socket_path(agent, cid)) as ws:
        ws.send_json({"type": "auth", "session_api_key": agent.key})
        assert ws.receive_json()["key"] == "full_state"


def test_socket_first_message_auth_wrong_key_closes_4001(agent: Agent):
    cid = agent.create()["id"]
    with agent.client.websocket_connect(_socket_path(agent, cid)) as ws:
        ws.send_json({"type": "auth", "session_api_key": "wrong"})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4001


def test_socket_auth_timeout_closes_4001(agent: Agent, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(event_socket_routes, "AUTH_TIMEOUT", 0.1)
    cid = agent.create()["id"]
    with agent.client.websocket_connect(_socket_path(agent, cid)) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4001


def test_socket_unknown_conversation_closes_4004(agent: Agent):
    path = _socket_path(agent, "00000000-0000-0000-0000-000000000000")
    with agent.client.websocket_connect(path, headers=agent.headers) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4004


def test_socket_wrong_query_key_is_refused(agent: Agent):
    cid = agent.create()["id"]
    with pytest.raises(WebSocketDisconnect):
        with agent.client.websocket_connect(
            _socket_path(agent, cid, "session_api_key=wrong")
        ) as ws:
            ws.receive_json()

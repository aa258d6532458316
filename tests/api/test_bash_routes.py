"""The /api/bash routes on a process sandbox."""

from __future__ import annotations

import time

import pytest

from tests.conftest import start_agent_sandbox
from tests.support.agent_conversations import (
    UNKNOWN_ID,
    assert_invalid_uuid,
    create_conversation,
    get_from_another_sandbox,
    scoped,
)

HEX32 = r"^[0-9a-f]{32}$"


def _execute(sandbox, **body):
    response = sandbox.post("/api/bash/execute_bash_command", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _wait_exit(sandbox, command_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = sandbox.get(
            "/api/bash/bash_events/search",
            params={"command_id__eq": command_id, "kind__eq": "BashOutput"},
        ).json()["items"]
        if items and items[-1]["exit_code"] is not None:
            return items
        time.sleep(0.05)
    raise AssertionError("command did not finish")


def test_execute_bash_command_success_returns_joined_output(sandbox):
    out = _execute(sandbox, command="echo out && echo err >&2", cwd=sandbox.workdir)
    assert (out["kind"], out["exit_code"], out["order"]) == ("BashOutput", 0, 0)
    assert (out["stdout"], out["stderr"]) == ("out\n", "err\n")
    assert out["timestamp"].endswith("Z")
    assert len(out["id"]) == 32 and len(out["command_id"]) == 32


def test_execute_bash_command_failure_keeps_exit_code_and_cwd(sandbox):
    (sandbox.workspace / "sub").mkdir()
    out = _execute(sandbox, command="pwd; exit 3", cwd=f"{sandbox.workdir}/sub")
    assert out["exit_code"] == 3
    assert out["stdout"] == f"{sandbox.workdir}/sub\n"
    assert out["stderr"] is None


def test_execute_bash_command_timeout_returns_minus_one(sandbox):
    out = _execute(sandbox, command="echo before; sleep 5; echo after", timeout=1)
    assert out["exit_code"] == -1
    assert out["stdout"] == "before\n"


def test_execute_bash_command_missing_cwd_exits_1(sandbox):
    out = _execute(sandbox, command="true", cwd="/no/such/dir")
    assert out["exit_code"] == 1
    assert "No such file or directory" in out["stderr"]


def test_execute_bash_command_large_output_is_chunked_in_order(sandbox):
    out = _execute(sandbox, command="head -c 5000000 /dev/zero | tr '\\0' x")
    assert out["exit_code"] == 0 and len(out["stdout"]) == 5_000_000
    items = sandbox.get(
        "/api/bash/bash_events/search",
        params={"command_id__eq": out["command_id"], "kind__eq": "BashOutput"},
    ).json()["items"]
    assert [i["order"] for i in items] == list(range(len(items)))
    assert len(items) >= 4
    assert [i["exit_code"] for i in items[:-1]] == [None] * (len(items) - 1)
    later = sandbox.get(
        "/api/bash/bash_events/search",
        params={"command_id__eq": out["command_id"], "kind__eq": "BashOutput", "order__gt": 1},
    ).json()["items"]
    assert [i["order"] for i in later] == list(range(2, len(items)))


def test_execute_bash_command_invalid_body_returns_422(sandbox):
    response = sandbox.post("/api/bash/execute_bash_command", json={"cwd": "/"})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_execute_bash_command_oversize_body_returns_413(sandbox):
    response = sandbox.post(
        "/api/bash/execute_bash_command", json={"command": "x" * (11 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "detail" in response.json()


def test_start_bash_command_streams_output_while_running(sandbox):
    started = sandbox.post(
        "/api/bash/start_bash_command",
        json={"command": "echo first; sleep 3; echo second"},
    ).json()
    assert started["kind"] == "BashCommand" and started["timeout"] == 300
    time.sleep(2.6)
    early = sandbox.get(
        "/api/bash/bash_events/search",
        params={"command_id__eq": started["id"], "kind__eq": "BashOutput"},
    ).json()["items"]
    assert [(i["order"], i["stdout"], i["exit_code"]) for i in early] == [(0, "first\n", None)]
    items = _wait_exit(sandbox, started["id"])
    assert [(i["order"], i["stdout"]) for i in items] == [(0, "first\n"), (1, "second\n")]
    assert items[-1]["exit_code"] == 0


def test_search_bash_events_pages_without_duplicates(sandbox):
    for n in range(4):
        _execute(sandbox, command=f"echo {n}")
    seen, page_id = [], None
    while True:
        params = {"limit": 3} | ({"page_id": page_id} if page_id else {})
        page = sandbox.get("/api/bash/bash_events/search", params=params).json()
        seen += [item["id"] for item in page["items"]]
        page_id = page["next_page_id"]
        if page_id is None:
            break
    assert len(seen) == 8 == len(set(seen))
    desc = sandbox.get(
        "/api/bash/bash_events/search",
        params={"kind__eq": "BashCommand", "sort_order": "TIMESTAMP_DESC", "limit": 1},
    ).json()
    assert desc["items"][0]["command"] == "echo 3"


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"kind__eq": "Nope"}, "kind__eq"),
        ({"command_id__eq": "not-a-uuid"}, "command_id__eq"),
        ({"order__gt": "x"}, "order__gt"),
        ({"sort_order": "SIDEWAYS"}, "sort_order"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ],
)
def test_search_bash_events_invalid_query_returns_422(sandbox, params, loc):
    response = sandbox.get("/api/bash/bash_events/search", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", loc]


def test_get_bash_event_known_and_unknown(sandbox):
    out = _execute(sandbox, command="echo x")
    got = sandbox.get(f"/api/bash/bash_events/{out['command_id']}").json()
    assert got["kind"] == "BashCommand"
    missing = sandbox.get("/api/bash/bash_events/does-not-exist")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})


def test_batch_get_bash_events_returns_null_for_unknown(sandbox):
    out = _execute(sandbox, command="echo x")
    response = sandbox.request(
        "GET", "/api/bash/bash_events/", json=[out["command_id"], "0" * 32, out["id"]]
    )
    body = response.json()
    assert [b and b["kind"] for b in body] == ["BashCommand", None, "BashOutput"]
    bad = sandbox.request("GET", "/api/bash/bash_events/", content=b"{not json")
    assert bad.status_code == 422


def test_stop_bash_command_running_finished_and_unknown(sandbox):
    started = sandbox.post(
        "/api/bash/start_bash_command", json={"command": "echo started; sleep 30"}
    ).json()
    time.sleep(0.5)
    assert sandbox.post(f"/api/bash/bash_commands/{started['id']}/stop").json() == {"success": True}
    items = _wait_exit(sandbox, started["id"])
    assert items[-1]["exit_code"] == -15 and items[0]["stdout"] == "started\n"
    again = sandbox.post(f"/api/bash/bash_commands/{started['id']}/stop")
    assert again.status_code == 200
    unknown = sandbox.post("/api/bash/bash_commands/11111111-2222-3333-4444-555555555555/stop")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not Found"})
    invalid = sandbox.post("/api/bash/bash_commands/nope/stop")
    assert invalid.status_code == 422


def test_clear_bash_events_counts_and_empties(sandbox):
    _execute(sandbox, command="echo x")
    assert sandbox.delete("/api/bash/bash_events").json() == {"cleared_count": 2}
    assert sandbox.get("/api/bash/bash_events/search").json()["items"] == []


def test_bash_routes_need_the_session_key(sandbox):
    response = sandbox.client.post(
        f"{sandbox.prefix}/api/bash/execute_bash_command", json={"command": "true"}
    )
    assert response.status_code == 401


def test_execute_bash_command_paused_sandbox_returns_503(sandbox):
    assert sandbox.client.post(f"/api/v1/sandboxes/{sandbox.id}/pause").status_code == 200
    response = sandbox.post("/api/bash/execute_bash_command", json={"command": "true"})
    assert response.status_code == 503


def test_bash_events_socket_first_message_auth_and_events(sandbox):
    url = f"{sandbox.prefix}/sockets/bash-events"
    with sandbox.client.websocket_connect(url) as ws:
        ws.send_json({"type": "auth", "session_api_key": sandbox.headers["X-Session-API-Key"]})
        ws.send_json({"command": "echo via-socket"})
        command = ws.receive_json()
        output = ws.receive_json()
    assert command["kind"] == "BashCommand" and command["command"] == "echo via-socket"
    assert output["kind"] == "BashOutput" and output["stdout"] == "via-socket\n"
    assert output["command_id"] == command["id"]


def test_bash_events_socket_bad_first_message_closes_4001(sandbox):
    from litestar.exceptions import WebSocketDisconnect

    url = f"{sandbox.prefix}/sockets/bash-events"
    with sandbox.client.websocket_connect(url) as ws:
        ws.send_json({"type": "auth", "session_api_key": "wrong"})
        with pytest.raises(WebSocketDisconnect) as caught:
            ws.receive_json()
    assert caught.value.code == 4001


# ----- conversation-scoped: /api/conversations/{runtime_conversation_id}/bash -----


def test_scoped_execute_defaults_cwd_to_the_conversation_workspace(sandbox):
    (sandbox.workspace / "project").mkdir()
    conversation = create_conversation(sandbox, f"{sandbox.workdir}/project")
    out = sandbox.post(
        scoped(conversation, "/bash/execute_bash_command"), json={"command": "pwd"}
    ).json()
    assert (out["exit_code"], out["stdout"]) == (0, f"{sandbox.workdir}/project\n")
    page = sandbox.get(scoped(conversation, "/bash/bash_events/search")).json()
    assert [i["kind"] for i in page["items"]] == ["BashCommand", "BashOutput"]
    assert page["items"][0]["cwd"] == f"{sandbox.workdir}/project"


@pytest.mark.parametrize("cwd", ["/", "project", "{ws}/project/../..", "{ws}/projectx"])
def test_scoped_execute_cwd_outside_the_workspace_returns_422(sandbox, cwd):
    (sandbox.workspace / "project").mkdir()
    conversation = create_conversation(sandbox, f"{sandbox.workdir}/project")
    for route in ("execute_bash_command", "start_bash_command"):
        response = sandbox.post(
            scoped(conversation, f"/bash/{route}"),
            json={"command": "pwd", "cwd": cwd.format(ws=sandbox.workdir)},
        )
        expected = {"detail": "cwd must be inside the conversation workspace"}
        assert (response.status_code, response.json()) == (422, expected)
    assert sandbox.get(scoped(conversation, "/bash/bash_events/search")).json()["items"] == []


def test_scoped_bash_events_are_kept_apart_from_the_sandbox_store(sandbox):
    conversation = create_conversation(sandbox)
    other = create_conversation(sandbox)
    _execute(sandbox, command="echo server-wide")
    inside = sandbox.post(
        scoped(conversation, "/bash/execute_bash_command"),
        json={"command": "echo scoped", "cwd": f"{sandbox.workdir}/"},
    ).json()
    assert inside["stdout"] == "scoped\n"
    command_id = inside["command_id"]
    got = sandbox.get(scoped(conversation, f"/bash/bash_events/{command_id}"))
    assert got.json()["command"] == "echo scoped"
    assert sandbox.get(f"/api/bash/bash_events/{command_id}").status_code == 404
    assert sandbox.get(scoped(other, f"/bash/bash_events/{command_id}")).status_code == 404
    batch = sandbox.request("GET", scoped(conversation, "/bash/bash_events/"), json=[command_id])
    assert [item["kind"] for item in batch.json()] == ["BashCommand"]
    cleared = sandbox.delete(scoped(conversation, "/bash/bash_events")).json()
    assert cleared == {"cleared_count": 2}
    assert sandbox.delete("/api/bash/bash_events").json() == {"cleared_count": 2}


def test_scoped_start_and_stop_bash_command(sandbox):
    conversation = create_conversation(sandbox)
    started = sandbox.post(
        scoped(conversation, "/bash/start_bash_command"), json={"command": "sleep 30"}
    ).json()
    assert sandbox.post(f"/api/bash/bash_commands/{started['id']}/stop").status_code == 404
    stop = sandbox.post(scoped(conversation, f"/bash/bash_commands/{started['id']}/stop"))
    assert stop.json() == {"success": True}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = sandbox.get(
            scoped(conversation, "/bash/bash_events/search"),
            params={"command_id__eq": started["id"], "kind__eq": "BashOutput"},
        ).json()["items"]
        if items:
            break
        time.sleep(0.05)
    assert items[-1]["exit_code"] == -15


def test_scoped_bash_unknown_conversation_returns_404(sandbox):
    for method, path in (
        ("POST", "/bash/execute_bash_command"),
        ("GET", "/bash/bash_events/search"),
        ("DELETE", "/bash/bash_events"),
    ):
        response = sandbox.request(
            method, f"/api/conversations/{UNKNOWN_ID}{path}", json={"command": "true"}
        )
        expected = {"detail": f"Conversation not found: {UNKNOWN_ID}"}
        assert (response.status_code, response.json()) == (404, expected)


def test_scoped_bash_malformed_id_or_another_sandbox(sandbox):
    malformed = sandbox.get("/api/conversations/not-a-uuid/bash/bash_events/search")
    assert_invalid_uuid(malformed, "runtime_conversation_id")
    path = "/api/conversations/{cid}/bash/bash_events/search"
    assert get_from_another_sandbox(sandbox, start_agent_sandbox, path).status_code == 404

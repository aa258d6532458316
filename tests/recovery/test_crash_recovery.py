"""kill -9 of a real `ohlocal serve`, then a restart on the same home: at each point, no event
a client saw is lost or duplicated, a dangling action is closed once and never run twice,
running conversations go on, sandboxes are adopted and uploads leave no partial file."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from ohlocal.replay.crash import log_problems
from ohlocal.replay.scripted_llm import ScriptedLLMServer
from ohlocal.services.agent_runner import RECOVERED_ERROR
from tests.recovery.conftest import FINISH, script, terminal

RESULT_KINDS = ("ObservationEvent", "AgentErrorEvent")


def _create(target, llm: ScriptedLLMServer) -> str:
    body = {
        "workspace": {"kind": "LocalWorkspace", "working_dir": target.workdir},
        "agent": {
            "kind": "Agent",
            "llm": {"model": "openai/fake-model", "base_url": llm.base_url, "api_key": "k"},
            "tools": [{"name": "terminal"}],
        },
        "initial_message": {
            "role": "user",
            "content": [{"type": "text", "text": "go"}],
            "run": True,
        },
    }
    response = target.agent("POST", "/api/conversations", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _status(target, cid: str) -> str:
    return target.agent("GET", f"/api/conversations/{cid}").json()["execution_status"]


def _lines(target) -> int:
    path = target.workspace / "count.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


def _action_seen(target, cid: str) -> list[dict]:
    events = target.events(cid)
    return events if any(e["kind"] == "ActionEvent" for e in events) else []


def _check_after_restart(target, cid: str, seen: list[dict]) -> list[dict]:
    target.wait_for(lambda: _status(target, cid) == "finished", "the resumed run to finish")
    events = target.events(cid)
    assert log_problems("cid", events, {e["id"] for e in seen}) == []
    results = Counter(e["tool_call_id"] for e in events if e["kind"] in RESULT_KINDS)
    actions = [e for e in events if e["kind"] == "ActionEvent"]
    assert all(results[a["tool_call_id"]] == 1 for a in actions), results
    return events


def test_crash_during_long_command_closes_action_once(crashable) -> None:
    target = crashable
    with ScriptedLLMServer(script(terminal("echo run >> count.txt; sleep 20"), FINISH)) as llm:
        cid = _create(target, llm)
        target.wait_for(lambda: _lines(target) == 1, "the command to start")
        seen = target.events(cid)
        before = target.containers() if target.podman_conf else None
        target.crash_and_restart(llm)
        events = _check_after_restart(target, cid, seen)
    errors = [e for e in events if e["kind"] == "AgentErrorEvent"]
    assert [e["error"] for e in errors] == [RECOVERED_ERROR]
    assert _lines(target) == 1  # not run again
    assert [e["kind"] for e in events].count("ActionEvent") == 2  # it went on: finish
    if before is not None:
        assert target.containers() == before  # adopted, not duplicated or leaked


def test_crash_between_action_and_observation_runs_it_at_most_once(crashable) -> None:
    target = crashable
    with ScriptedLLMServer(script(terminal("echo run >> count.txt"), FINISH)) as llm:
        cid = _create(target, llm)
        seen = target.wait_for(lambda: _action_seen(target, cid), "the ActionEvent")
        target.crash_and_restart(llm)
        events = _check_after_restart(target, cid, seen)
    first = next(e for e in events if e["kind"] in RESULT_KINDS)
    if first["kind"] == "ObservationEvent":
        assert _lines(target) == 1
    else:
        assert first["error"] == RECOVERED_ERROR
        assert _lines(target) <= 1


def test_crash_during_llm_call_resumes_with_same_turn(crashable) -> None:
    target = crashable
    slow = terminal("echo run >> count.txt")
    slow = type(slow)(tool_calls=slow.tool_calls, delay=1.5)
    with ScriptedLLMServer(script(slow, FINISH)) as llm:
        cid = _create(target, llm)
        target.wait_for(lambda: llm.served >= 1, "the LLM call")
        seen = target.events(cid)
        target.crash_and_restart(llm)
        events = _check_after_restart(target, cid, seen)
    assert _lines(target) == 1
    assert [e for e in events if e["kind"] == "AgentErrorEvent"] == []
    assert [e["kind"] for e in events].count("ActionEvent") == 2


def test_crash_leaves_idle_sandboxes_adopted(crashable) -> None:
    target = crashable
    before = target.containers() if target.podman_conf else None
    target.crash_and_restart()
    found = target.client.get("/api/v1/sandboxes", params={"id": target.sandbox_id}).json()
    assert found[0]["status"] == "RUNNING"
    assert len(target.client.get("/api/v1/sandboxes/search").json()["items"]) == 1
    response = target.agent("POST", "/api/bash/execute_bash_command", json={"command": "echo hi"})
    assert response.json()["stdout"].strip() == "hi"
    if before is not None:
        assert target.containers() == before


def _slow_body(boundary: str, started: threading.Event):
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    for index in range(2000):
        yield b"x" * 65536
        if index == 20:
            started.set()
        time.sleep(0.005)
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.parametrize("where", ["workspace", "outside"])
def test_crash_during_upload_leaves_no_partial_file(crashable, where: str) -> None:
    target = crashable
    directory = f"{target.workdir}/up" if where == "workspace" else f"/tmp/up-{target.sandbox_id}"
    started, boundary = threading.Event(), "b0undary"

    def upload() -> None:
        try:
            target.client.post(
                target.prefix + "/api/file/upload",
                params={"path": f"{directory}/big.bin"},
                content=_slow_body(boundary, started),
                headers={
                    **target.headers,
                    "content-type": f"multipart/form-data; boundary={boundary}",
                },
            )
        except httpx.HTTPError:
            pass  # the server died under it

    thread = threading.Thread(target=upload)
    thread.start()
    assert started.wait(30)
    target.crash_and_restart()
    thread.join(60)
    listing = target.agent(
        "POST", "/api/bash/execute_bash_command", json={"command": f"ls -A {directory} || true"}
    ).json()
    assert (listing["stdout"] or "").split() == []
    assert list((target.server.home / "tmp" / "uploads").iterdir()) == []
    retry = target.agent(
        "POST",
        "/api/file/upload",
        params={"path": f"{directory}/big.bin"},
        files={"file": ("big.bin", b"complete")},
    )
    assert retry.json()["file_size"] == 8
    fetched = target.agent("GET", "/api/file/download", params={"path": f"{directory}/big.bin"})
    assert fetched.content == b"complete"

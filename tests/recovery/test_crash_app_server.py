"""kill -9 of a real `ohlocal serve` during an App Server start task and with webhook
deliveries pending; after the restart the task ends (READY, or ERROR with a detail) and every
pending delivery arrives, in log order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ohlocal.replay.server import ServerProcess
from tests.recovery.conftest import wait_for
from tests.support.app_conversations import bare_repository
from tests.support.webhook_receiver import Receiver

WAIT = 30.0
TERMINAL = ("READY", "ERROR")


@pytest.fixture
def server(home: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(home, "--sandbox-backend", "process")
    yield process
    process.stop()


def _task(client: httpx.Client, task_id: str) -> dict:
    [task] = client.get("/api/v1/app-conversations/start-tasks", params={"ids": task_id}).json()
    return task


def test_crash_during_start_task_finishes_or_fails_it(home: Path, server: ServerProcess) -> None:
    repo = bare_repository(home / "repo", {".openhands/setup.sh": "sleep 3\n", "README.md": "x\n"})
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        body = {"selected_repository": str(repo), "selected_branch": "main"}
        task_id = client.post("/api/v1/app-conversations", json=body).json()["id"]
        wait_for(lambda: _task(client, task_id)["status"] == "RUNNING_SETUP_SCRIPT", "the setup")
        sandboxes = client.get("/api/v1/sandboxes/search").json()["items"]

    server.kill()
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        task = wait_for(
            lambda: (t := _task(client, task_id))["status"] in TERMINAL and t,
            "the task to end",
            WAIT,
        )
        if task["status"] == "ERROR":
            assert task["detail"], task
        else:
            assert task["app_conversation_id"] and task["sandbox_id"]
        after = client.get("/api/v1/sandboxes/search").json()["items"]
        assert [s["id"] for s in after] == [s["id"] for s in sandboxes]  # adopted, not doubled


def test_crash_with_pending_webhooks_delivers_them(home: Path, server: ServerProcess) -> None:
    receiver = Receiver()
    receiver.start()
    receiver.stop()  # keep its port; the receiver is down until after the crash
    (home / "config.toml").write_text(
        f'[[webhooks]]\nbase_url = "{receiver.base_url}"\nevent_buffer_size = 2\n'
        "flush_delay = 0.1\nnum_retries = 1\nretry_delay = 0.05\n"
    )
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        sandbox = client.post("/api/v1/sandboxes").json()
        prefix = f"/agent/{sandbox['id']}"
        headers = {"X-Session-API-Key": sandbox["session_api_key"]}
        created = client.post(
            f"{prefix}/api/conversations",
            json={"agent": {"kind": "Agent", "llm": {"model": "m", "api_key": "k"}}},
            headers=headers,
        ).json()
        cid = created["id"]
        for n in range(5):
            message = {"role": "user", "content": [{"type": "text", "text": f"m{n}"}], "run": False}
            client.post(f"{prefix}/api/conversations/{cid}/events", json=message, headers=headers)
        logged = client.get(
            f"{prefix}/api/conversations/{cid}/events/search", headers=headers
        ).json()["items"]
        time.sleep(0.5)  # deliveries are tried and fail while the receiver is down

    server.kill()
    receiver.start()
    server.start()
    try:
        want = [event["id"] for event in logged]
        receiver.wait_for(lambda r: {e["id"] for e in r.events()} >= set(want), timeout=WAIT)
        delivered = list(dict.fromkeys(e["id"] for e in receiver.events()))
        assert [i for i in delivered if i in want] == want  # in log order, nothing lost
        assert any(info["id"].replace("-", "") == cid.replace("-", "") for info in receiver.infos())
    finally:
        receiver.stop()

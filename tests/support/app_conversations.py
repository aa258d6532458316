"""Helpers for App Server conversation tests: the scripted LLM turns, git repositories for
clone tests, waiting for start tasks, and the one normaliser of volatile values."""

from __future__ import annotations

import json
import subprocess
import time
from typing import TYPE_CHECKING, Any

from ohlocal.llm.script import LLMScript, ScriptToolCall, ScriptTurn
from tests.support.paths import REFERENCE

if TYPE_CHECKING:
    from pathlib import Path

FINAL = ("READY", "ERROR")
ALL_STATUSES = [
    "WORKING",
    "WAITING_FOR_SANDBOX",
    "PREPARING_REPOSITORY",
    "RUNNING_SETUP_SCRIPT",
    "SETTING_UP_GIT_HOOKS",
    "SETTING_UP_SKILLS",
    "STARTING_CONVERSATION",
    "READY",
]
MESSAGE = {
    "role": "user",
    "content": [{"type": "text", "text": "Create a file hello.txt containing 'hello world'."}],
    "run": True,
}

# Every field whose value differs from run to run, replaced by "<field>" when normalised.
VOLATILE_FIELDS = frozenset(
    {
        "id",
        "app_conversation_id",
        "sandbox_id",
        "agent_server_url",
        "conversation_url",
        "session_api_key",
        "created_at",
        "updated_at",
        "timestamp",
        "parent_id",
        "metrics",
        "title",
    }
)


def normalise(value: Any) -> Any:
    """`value` with every VOLATILE_FIELDS value (when not null) replaced by `<field>`."""
    if isinstance(value, dict):
        return {
            k: (f"<{k}>" if k in VOLATILE_FIELDS and v is not None else normalise(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def hello_script() -> LLMScript:
    """Run one terminal command, then finish; later conversations get plain replies."""
    command = "echo 'hello world' > hello.txt && cat hello.txt"
    return LLMScript(
        turns=[
            ScriptTurn(
                tool_calls=[
                    ScriptToolCall(
                        name="terminal",
                        arguments={"command": command, "summary": "x", "security_risk": "LOW"},
                    )
                ]
            ),
            ScriptTurn(tool_calls=[ScriptToolCall(name="finish", arguments={"message": "Done."})]),
        ]
    )


def transcript() -> list[dict[str, Any]]:
    data = json.loads((REFERENCE / "app-server-transcript.json").read_text())
    exchanges: list[dict[str, Any]] = data["exchanges"]
    return exchanges


def wait_task(client: Any, task_id: str, timeout: float = 60.0) -> tuple[list[str], dict[str, Any]]:
    """Poll the task until READY or ERROR; the statuses seen (in order) and the final task."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = client.get("/api/v1/app-conversations/start-tasks", params={"ids": task_id}).json()[
            0
        ]
        if not seen or seen[-1] != task["status"]:
            seen.append(task["status"])
        if task["status"] in FINAL:
            return seen, task
        time.sleep(0.01)
    raise AssertionError(f"start task {task_id} did not finish: {seen}")


def start(client: Any, **body: Any) -> dict[str, Any]:
    """POST an app conversation and wait for READY (or ERROR); the final task."""
    response = client.post("/api/v1/app-conversations", json=body)
    assert response.status_code == 200, response.text
    return wait_task(client, response.json()["id"])[1]


def wait_execution(client: Any, conversation_id: str, status: str = "finished") -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = client.get("/api/v1/app-conversations", params={"ids": conversation_id}).json()[0]
        if found["execution_status"] == status:
            return dict(found)
        time.sleep(0.02)
    raise AssertionError(f"conversation {conversation_id} never reached {status}")


def finished_conversation(client: Any) -> dict[str, Any]:
    """A READY app conversation (the transcript's start request) whose run has finished."""
    task = start(client, **transcript()[13]["request_body"])
    assert task["status"] == "READY", task
    return wait_execution(client, task["app_conversation_id"])


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def bare_repository(root: Path, files: dict[str, str], branch: str = "main") -> Path:
    """A bare repository at `root/repo.git` whose `branch` holds `files`."""
    work = root / "src"
    work.mkdir(parents=True)
    git("init", "-q", "-b", branch, cwd=work)
    for name, text in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    bare = root / "repo.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare

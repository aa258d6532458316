"""A real `ohlocal serve` process that tests kill -9 and start again, with a scripted LLM
that outlives it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ohlocal.containers.podman_backend import LABEL_SANDBOX
from ohlocal.containers.podman_service import podman_env
from ohlocal.llm.script import LLMScript, ScriptToolCall, ScriptTurn
from ohlocal.replay.scripted_llm import ScriptedLLMServer
from ohlocal.replay.server import ServerProcess

WAIT = 20.0


def wait_for(predicate, what: str, timeout: float = WAIT) -> Any:
    """Poll `predicate` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Crashable:
    server: ServerProcess
    client: httpx.Client
    sandbox_id: str
    headers: dict[str, str]
    workspace: Path  # on the host
    workdir: str  # as the agent sees it
    podman_conf: Any = None

    @property
    def prefix(self) -> str:
        return f"/agent/{self.sandbox_id}"

    def agent(self, method: str, path: str, **kwargs):
        return self.client.request(method, self.prefix + path, headers=self.headers, **kwargs)

    def crash_and_restart(self, llm: ScriptedLLMServer | None = None) -> None:
        self.server.kill()
        if llm is not None:
            llm.server_crashed()
        self.server.start()

    def events(self, cid: str) -> list[dict[str, Any]]:
        items, params = [], {"limit": 100}
        while True:
            page = self.agent("GET", f"/api/conversations/{cid}/events/search", params=params)
            page.raise_for_status()
            body = page.json()
            items += body["items"]
            if not body["next_page_id"]:
                return items
            params["page_id"] = body["next_page_id"]

    def wait_for(self, predicate, what: str) -> Any:
        return wait_for(predicate, what)

    def containers(self) -> list[str]:
        """Ids of the Podman containers labelled with this sandbox's id."""
        listed = subprocess.run(
            [
                "podman",
                "ps",
                "-aq",
                "--no-trunc",
                "--filter",
                f"label={LABEL_SANDBOX}={self.sandbox_id}",
            ],
            env=podman_env(self.podman_conf),
            capture_output=True,
            text=True,
            check=True,
        )
        return listed.stdout.split()


def script(*turns: ScriptTurn) -> LLMScript:
    return LLMScript(turns=list(turns))


def terminal(command: str) -> ScriptTurn:
    return ScriptTurn(tool_calls=[ScriptToolCall(name="terminal", arguments={"command": command})])


FINISH = ScriptTurn(tool_calls=[ScriptToolCall(name="finish", arguments={"message": "ok"})])


def _start(home: Path, args: list[str], podman_conf: Any) -> Crashable:
    server = ServerProcess(home, *args)
    server.start()
    client = httpx.Client(base_url=server.url, timeout=60)
    info = client.post("/api/v1/sandboxes").json()
    assert info["status"] == "RUNNING", info
    backend = client.get("/server_info").json()["sandbox_backend"]["name"]
    workspace = home / "workspaces" / info["id"]
    workdir = "/workspace" if backend == "podman" else str(workspace)
    headers = {"X-Session-API-Key": info["session_api_key"]}
    return Crashable(server, client, info["id"], headers, workspace, workdir, podman_conf)


@pytest.fixture(params=["process", pytest.param("podman", marks=pytest.mark.podman)])
def crashable(request):
    home = Path(tempfile.mkdtemp(prefix="ohl-crash-"))
    args, conf = ["--sandbox-backend", request.param], None
    if request.param == "podman":
        service = request.getfixturevalue("podman_service")
        args += ["--podman-url", service.url]
        conf = service.conf
    target = _start(home, args, conf)
    try:
        yield target
    finally:
        target.client.delete(
            f"/api/v1/sandboxes/{target.sandbox_id}", params={"sandbox_id": target.sandbox_id}
        )
        target.client.close()
        target.server.stop()
        shutil.rmtree(home, ignore_errors=True)

"""Schemathesis against a real `ohlocal serve` on Podman: its LLM is the replay provider for
every conversation (no outbound traffic whatever the generated agent settings say)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from ohlocal.replay.server import ServerProcess
from tests.support.paths import RECORDINGS


class FuzzTarget:
    def __init__(self, server: ServerProcess, sandbox_id: str, key: str) -> None:
        self.server = server
        self.sandbox_id = sandbox_id
        self.key = key


@pytest.fixture(scope="module")
def fuzz_target(podman_service):
    home = Path(tempfile.mkdtemp(prefix="ohl-fuzz-"))
    script = RECORDINGS / "plain_message_reply.json"
    server = ServerProcess(
        home,
        *("--sandbox-backend", "podman", "--podman-url", podman_service.url),
        *("--llm-provider", "replay", "--llm-script", str(script)),
    )
    server.start()
    info = httpx.post(server.url + "/api/v1/sandboxes", timeout=60).json()
    try:
        yield FuzzTarget(server, info["id"], info["session_api_key"])
    finally:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for sandbox in client.get("/api/v1/sandboxes/search?limit=100").json()["items"]:
                client.delete(
                    f"/api/v1/sandboxes/{sandbox['id']}", params={"sandbox_id": sandbox["id"]}
                )
        server.stop()
        shutil.rmtree(home, ignore_errors=True)

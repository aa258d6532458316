"""Preparing a replay target: a running sandbox started through the App Server API, and the
recording's workspace `setup` applied through the Agent Server API (file upload and bash), so
that it works on any Agent Server, or directly to a host workspace directory."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

SANDBOX_START_TIMEOUT = 120.0
SETUP_COMMAND_TIMEOUT = 60
# NOTE: the recorder fixed git identity and dates so setup commit hashes are reproducible.
SETUP_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Recorder",
    "GIT_AUTHOR_EMAIL": "recorder@example.com",
    "GIT_COMMITTER_NAME": "Recorder",
    "GIT_COMMITTER_EMAIL": "recorder@example.com",
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+00:00",
}


@dataclass
class SandboxTarget:
    sandbox_id: str
    agent_prefix: str
    session_api_key: str | None


def start_sandbox(client: httpx.Client) -> SandboxTarget:
    """Start a sandbox from the default spec and wait until it runs."""
    response = client.post("/api/v1/sandboxes")
    response.raise_for_status()
    sandbox: dict[str, Any] = response.json()
    deadline = time.monotonic() + SANDBOX_START_TIMEOUT
    while sandbox["status"] != "RUNNING":
        if sandbox["status"] in ("ERROR", "MISSING") or time.monotonic() > deadline:
            raise RuntimeError(f"sandbox {sandbox['id']} did not start: {sandbox['status']}")
        time.sleep(0.2)
        sandbox = client.get("/api/v1/sandboxes", params={"id": sandbox["id"]}).json()[0]
    urls = {u["name"]: u["url"] for u in sandbox["exposed_urls"] or []}
    agent_url = urls["AGENT_SERVER"]
    prefix = "/" + agent_url.split("://", 1)[1].split("/", 1)[1] if "/agent/" in agent_url else ""
    return SandboxTarget(sandbox["id"], prefix, sandbox["session_api_key"])


def apply_setup(workspace: Path, setup: dict[str, Any]) -> None:
    """Write the setup files and run the setup commands in the host's workspace directory."""
    for relative, text in (setup.get("files") or {}).items():
        path = workspace / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {**os.environ, **SETUP_GIT_ENV}
    for command in setup.get("commands") or []:
        subprocess.run(command, shell=True, cwd=workspace, env=env, check=True, capture_output=True)


def apply_setup_via_api(
    client: httpx.Client, prefix: str, headers: dict[str, str], workspace: str, setup: Any
) -> None:
    """Upload the setup files and run the setup commands through an Agent Server's API.

    Raises:
        RuntimeError: an upload or a command failed.
    """
    for relative, text in (setup.get("files") or {}).items():
        response = client.post(
            f"{prefix}/api/file/upload",
            params={"path": f"{workspace.rstrip('/')}/{relative}"},
            files={"file": (relative.rsplit("/", 1)[-1], text.encode())},
            headers=headers,
        )
        if response.status_code != 200:
            raise RuntimeError(f"setup upload of {relative} failed: {response.text[:200]}")
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in SETUP_GIT_ENV.items())
    for command in setup.get("commands") or []:
        response = client.post(
            f"{prefix}/api/bash/execute_bash_command",
            json={
                "command": f"export {exports}; {command}",
                "cwd": workspace,
                "timeout": SETUP_COMMAND_TIMEOUT,
            },
            headers=headers,
        )
        output = response.json() if response.status_code == 200 else {}
        if output.get("exit_code") != 0:
            raise RuntimeError(f"setup command {command!r} failed: {response.text[:300]}")

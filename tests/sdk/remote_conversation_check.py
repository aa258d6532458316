"""SDK check: the real OpenHands SDK 1.58.2 `RemoteConversation` against ohlocal on Podman.

Not collected by pytest. Run from the repository root, in a Python 3.12 venv with the SDK:

    /root/.pyenv/versions/3.12.1/bin/python -m venv /tmp/sdk-agent-venv
    /tmp/sdk-agent-venv/bin/pip install openhands-sdk==1.58.2 openhands-workspace==1.58.2 \
        openhands-tools==1.58.2
    /tmp/sdk-agent-venv/bin/python tests/sdk/remote_conversation_check.py

It starts a scripted OpenAI-compatible LLM (tests/support/scripted_llm.py) and `ohlocal serve`
(both with the repository's .venv, override with OHLOCAL_PYTHON), starts a sandbox through the
App Server API, then, as a user would: runs a RemoteConversation on the sandbox's
AGENT_SERVER URL to `finish` with a websocket callback, sends a second message and runs again,
and reattaches with a new RemoteConversation to read the history. Exit code 0 means it passed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

# Importing the tools registers their definitions, so SystemPromptEvents validate client-side.
import openhands.tools.file_editor  # noqa: F401
import openhands.tools.terminal  # noqa: F401
from openhands.sdk import LLM, Agent, Conversation, Tool
from openhands.sdk.workspace import RemoteWorkspace
from pydantic import SecretStr

REPO = Path(__file__).resolve().parents[2]
PYTHON = os.environ.get("OHLOCAL_PYTHON", str(REPO / ".venv" / "bin" / "python"))
SCRIPT = {
    "turns": [
        {
            "content": "Writing the file.",
            "tool_calls": [
                {
                    "name": "terminal",
                    "arguments": {
                        "command": "echo hello-sdk > sdk.txt && cat sdk.txt",
                        "summary": "write file",
                        "security_risk": "LOW",
                    },
                }
            ],
        },
        {"tool_calls": [{"name": "finish", "arguments": {"message": "Wrote sdk.txt."}}]},
        {"content": "The file sdk.txt holds hello-sdk."},
    ]
}


def start(argv: list[str], pattern: str, home: Path) -> tuple[subprocess.Popen[str], str]:
    """Start a helper process and wait for the URL it prints."""
    log = (home / (Path(argv[2]).name + ".log")).open("w+")
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        found = re.search(pattern, log.read())
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    log.seek(0)
    raise SystemExit(f"{argv} did not start:\n{log.read()}")


def start_llm(home: Path) -> tuple[subprocess.Popen[str], str]:
    script = home / "script.json"
    script.write_text(json.dumps(SCRIPT))
    proc = subprocess.Popen(
        [PYTHON, "-m", "tests.support.scripted_llm", str(script)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def start_sandbox(base: str) -> tuple[str, str]:
    with httpx.Client(base_url=base, timeout=60) as client:
        sandbox = client.post("/api/v1/sandboxes").json()
        while sandbox["status"] != "RUNNING":
            time.sleep(0.5)
            sandbox = client.get("/api/v1/sandboxes", params={"id": sandbox["id"]}).json()[0]
    urls = {u["name"]: u["url"] for u in sandbox["exposed_urls"]}
    return urls["AGENT_SERVER"], sandbox["session_api_key"]


def delete_sandboxes(base: str) -> None:
    """Remove the check's sandboxes (containers outlive the server by design)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for sandbox in client.get("/api/v1/sandboxes/search").json()["items"]:
            client.delete(
                f"/api/v1/sandboxes/{sandbox['id']}", params={"sandbox_id": sandbox["id"]}
            )


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        raise SystemExit(1)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="ohl-sdk-"))
    llm_proc, llm_url = start_llm(home)
    serve = [PYTHON, "-m", "ohlocal", "serve", "--port", "0", "--home", str(home)]
    server, base = start(serve + ["--sandbox-backend", "podman"], r"serving on (\S+)", home)
    try:
        run_checks(base, llm_url)
    finally:
        delete_sandboxes(base)
        server.terminate()
        llm_proc.terminate()
        server.wait(30)
    print("SDK check passed")


def run_checks(base: str, llm_url: str) -> None:
    agent_url, session_key = start_sandbox(base)
    print(f"ohlocal {base}, agent server {agent_url}, scripted LLM {llm_url}")
    llm = LLM(
        model="openai/fake-model", base_url=llm_url, api_key=SecretStr("fake"), usage_id="agent"
    )
    agent = Agent(llm=llm, tools=[Tool(name="terminal"), Tool(name="file_editor")])
    workspace = RemoteWorkspace(host=agent_url, working_dir="/workspace", api_key=session_key)
    live: list[str] = []
    conversation = Conversation(
        agent=agent,
        workspace=workspace,
        callbacks=[lambda event: live.append(type(event).__name__)],
    )
    conversation.send_message("Write hello-sdk to sdk.txt, then finish.")
    conversation.run()
    status = conversation.state.execution_status.value
    check(status == "finished", f"first run finished (status {status})")
    check(
        "ActionEvent" in live and "ObservationEvent" in live,
        f"live events over the websocket: {live}",
    )
    conversation.send_message("What does sdk.txt hold?")
    conversation.run()
    status = conversation.state.execution_status.value
    check(status == "finished", f"second run finished (status {status})")

    again = Conversation(agent=agent, workspace=workspace, conversation_id=conversation.id)
    kinds = [type(e).__name__ for e in again.state.events]
    users = [
        e for e in again.state.events if type(e).__name__ == "MessageEvent" and e.source == "user"
    ]
    check(len(users) == 2, f"reattached conversation {conversation.id} sees both user messages")
    check(kinds.count("ObservationEvent") == 2, f"history: {kinds}")
    last = again.state.events[-1]
    print(f"last event: {type(last).__name__}")


if __name__ == "__main__":
    sys.exit(main())

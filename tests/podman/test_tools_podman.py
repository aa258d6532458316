"""The tools in a real Podman sandbox, replaying the recorded actions and comparing our
observations with the reference's."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from ohlocal.containers.base import sandbox_layout
from ohlocal.containers.podman_backend import PodmanBackend
from ohlocal.models.base import utc_now
from ohlocal.models.sandbox import SandboxRecord, SandboxStatus
from ohlocal.services.sandbox_service import SandboxRuntime
from ohlocal.settings import SandboxSpecConfig
from ohlocal.tools import Action, ToolHost
from tests.support.paths import RECORDINGS

pytestmark = [pytest.mark.podman, pytest.mark.anyio]

# Terminal commands whose output describes the recording machine (dates, sizes, owners).
VOLATILE_COMMANDS = {"pwd && ls -la"}
# Metadata that describes the machine, not the contract (recordings README, "Sanitising").
MACHINE_FIELDS = ("hostname", "username", "py_interpreter_path", "pid")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def action_pairs(recording: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(action, observation) JSON of every executed tool call, in event order."""
    events = recording["conversations"]["cid"]["events"]
    actions = {e["id"]: e.get("action") for e in events if e["kind"] == "ActionEvent"}
    return [
        (actions[e["action_id"]], e["observation"])
        for e in events
        if e["kind"] == "ObservationEvent"
    ]


def recorded_secrets(recording: dict[str, Any]) -> dict[str, str]:
    """Every secret the scenario gave the conversation, at creation or through POST /secrets."""
    secrets: dict[str, str] = {}
    for exchange in recording["transcript"]:
        body = exchange.get("request_body")
        if isinstance(body, dict) and isinstance(body.get("secrets"), dict):
            for name, value in body["secrets"].items():
                secrets[name] = value["value"] if isinstance(value, dict) else value
    return secrets


def normalised(observation: dict[str, Any]) -> dict[str, Any]:
    """An observation without null fields (as events/search shows it) and machine metadata."""
    clean = {k: v for k, v in observation.items() if v is not None}
    if "metadata" in clean:
        clean["metadata"] = {k: v for k, v in clean["metadata"].items() if k not in MACHINE_FIELDS}
    return clean


@pytest.fixture
async def podman_runtime(home, podman_settings):
    backend = await PodmanBackend.connect(home, podman_settings.podman_url, podman_settings.image)
    layout = sandbox_layout(home, "toolspodman")
    spec = SandboxSpecConfig(id="default", worker_ports=[])
    started = await backend.start(spec, layout)
    record = SandboxRecord(
        id="toolspodman",
        sandbox_spec_id="default",
        status=SandboxStatus.RUNNING,
        session_api_key="k",
        created_at=utc_now(),
        handle=started.handle,
    )
    runtime = SandboxRuntime(record, layout, spec.working_dir)
    # The reference's conversation start runs `git init` in a fresh workspace.
    await runtime.shim.exec("git init -q", cwd=spec.working_dir)
    yield runtime
    await backend.remove(started.handle)
    await backend.close()


@pytest.mark.parametrize(
    "name",
    [
        "terminal_file_editor_finish",
        "failing_command",
        "unknown_tool_and_bad_args",
        "secrets_update",
    ],
)
async def test_recorded_actions_give_recorded_observations(name, podman_runtime):
    recording = json.loads((RECORDINGS / f"{name}.json").read_text())
    conversation_id = recording["conversations"]["cid"]["id"]
    host = ToolHost(conversation_id, podman_runtime, recorded_secrets(recording))
    try:
        for action_json, expected in action_pairs(recording):
            action = msgspec.convert(action_json, Action)
            observation = msgspec.to_builtins(await host.execute(action))
            got, want = normalised(observation), normalised(expected)
            if action_json.get("command") in VOLATILE_COMMANDS:
                got.pop("content"), want.pop("content")
            assert got == want, action_json
    finally:
        await host.close()


async def test_terminal_state_persists_in_container(podman_runtime):
    host = ToolHost("6f1d2a3e-0000-4000-8000-000000000001", podman_runtime, {})
    try:
        from ohlocal.tools import TerminalAction

        await host.execute(TerminalAction(command="cd /tmp && export FOO=bar"))
        observation = await host.execute(TerminalAction(command='echo "$PWD $FOO"'))
        assert observation.content[0].text == "/tmp bar"
        assert observation.metadata.working_dir == "/tmp"
    finally:
        await host.close()

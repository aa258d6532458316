"""Every reference recording replayed by `ohlocal replay`'s engine against a fresh `ohlocal
serve` on Podman (LLM: the scripted HTTP server), and two through the in-process replay
provider over Litestar's test client (same step runner and comparison)."""

from __future__ import annotations

import json

import msgspec
import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.replay.compare import DELIBERATE, compare
from ohlocal.replay.harness import RecordingResult, ReplayOptions, replay_recording
from ohlocal.replay.sandbox import apply_setup, start_sandbox
from ohlocal.replay.steps import ReplayTarget, StepRunner
from tests.support.paths import RECORDINGS

NAMES = sorted(path.stem for path in RECORDINGS.glob("*.json"))
IN_PROCESS = ["terminal_file_editor_finish", "interrupt_during_llm"]


def _replay(name: str, podman_service) -> RecordingResult:
    options = ReplayOptions(sandbox_backend="podman", podman_url=podman_service.url)
    return replay_recording(RECORDINGS / f"{name}.json", options)


@pytest.mark.podman
@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in NAMES])
def test_recording_replays_on_fresh_ohlocal(name: str, podman_service) -> None:
    result = _replay(name, podman_service)
    assert result.problems == [], "\n".join(result.problems)
    # Only the documented deliberate differences may be set aside as notes.
    expected = {f"step {step} " for (n, step) in DELIBERATE if n == name}
    assert {note.split("(")[0] for note in result.notes} == expected


@pytest.mark.podman
@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in IN_PROCESS])
def test_recording_replay_provider_in_process(name: str, podman_settings) -> None:
    path = RECORDINGS / f"{name}.json"
    recording = json.loads(path.read_text())
    if name == IN_PROCESS[0]:
        # Per conversation: `agent.llm.base_url` names the script.
        settings = podman_settings
        config = {"model": "openai/fake-model", "base_url": f"replay://{path}", "usage_id": "agent"}
    else:
        # Server default: every conversation plays --llm-script, whatever its LLM settings.
        settings = msgspec.structs.replace(podman_settings, llm_provider="replay", llm_script=path)
        config = {"model": "openai/fake-model", "base_url": "http://unused.invalid/v1"}
    with TestClient(create_app(settings)) as client:
        player = client.app.state.services.runner.llms.replay(path).player
        sandbox = start_sandbox(client)
        apply_setup(settings.workspaces_dir / sandbox.sandbox_id, recording["setup"])
        target = ReplayTarget(
            client=client,
            agent_prefix=sandbox.agent_prefix,
            workspace=recording["workspace"],
            llm=config,
            llm_served=lambda: player.served,
            headers={"X-Session-API-Key": sandbox.session_api_key or ""},
        )
        problems = compare(recording, StepRunner(recording, target).run()).problems
    assert problems == [], "\n".join(problems)

"""Replays of the reference recordings against ohlocal on Podman: the scripted LLM is served
over real HTTP (the OpenAI-compatible provider), and in-process by the replay provider."""

from __future__ import annotations

import json

import msgspec
import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.llm.script import load_script
from ohlocal.replay.compare import compare
from ohlocal.replay.sandbox import apply_setup, start_sandbox
from ohlocal.replay.steps import ReplayTarget, StepRunner
from tests.support.paths import RECORDINGS
from tests.support.scripted_llm import ScriptedLLMServer

NAMES = [
    "terminal_file_editor_finish",
    "plain_message_reply",
    "failing_command",
    "unknown_tool_and_bad_args",
    "pause_and_resume",
    "interrupt_during_llm",
    "confirm_reject",
    "condense",
    "secrets_update",
    "limits_and_llm_error",
    "event_search_filters",
]
# Steps of a recording ohlocal does not reproduce: (name, step index) -> "GAP: ..." reason.
# The main test leaves these steps out; test_agent_recording_gap checks each, strictly xfailed.
GAPS: dict[tuple[str, int], str] = {
    ("secrets_update", 3): "GAP: GET right after POST /secrets lists the new secrets at once; "
    "the reference showed the previous list until the next run (docs/compatibility.md)",
}
IN_PROCESS = ["terminal_file_editor_finish", "interrupt_during_llm"]


def _params(names: list[str]) -> list[object]:
    return [pytest.param(n, id=n) for n in names]


def _without_gaps(name: str, problems: list[str]) -> list[str]:
    gap_steps = tuple(f"step {step} " for (n, step) in GAPS if n == name)
    return [p for p in problems if not p.startswith(gap_steps)] if gap_steps else problems


def _replay(settings, recording: dict, llm: dict, served) -> list[str]:
    with TestClient(create_app(settings)) as client:
        sandbox = start_sandbox(client)
        apply_setup(settings.workspaces_dir / sandbox.sandbox_id, recording["setup"])
        target = ReplayTarget(
            client=client,
            agent_prefix=sandbox.agent_prefix,
            workspace=recording["workspace"],
            llm=llm,
            llm_served=lambda: served(client),
            headers={"X-Session-API-Key": sandbox.session_api_key or ""},
        )
        result = StepRunner(recording, target).run()
    return compare(recording, result)


@pytest.mark.podman
@pytest.mark.parametrize("name", _params(NAMES))
def test_agent_recording_scripted_http_llm_matches(name: str, podman_settings) -> None:
    recording = json.loads((RECORDINGS / f"{name}.json").read_text())
    with ScriptedLLMServer(load_script(RECORDINGS / f"{name}.json")) as llm:
        config = {
            "model": "openai/fake-model",
            "base_url": llm.base_url,
            "api_key": "fake",
            "usage_id": "agent",
        }
        problems = _replay(podman_settings, recording, config, lambda _client: llm.served)
    problems = _without_gaps(name, problems)
    assert problems == [], "\n".join(problems)


@pytest.mark.podman
@pytest.mark.parametrize(
    ("name", "step"),
    [
        pytest.param(n, s, id=f"{n}-step{s}", marks=pytest.mark.xfail(reason=r, strict=True))
        for (n, s), r in GAPS.items()
    ],
)
def test_agent_recording_gap(name: str, step: int, podman_settings) -> None:
    recording = json.loads((RECORDINGS / f"{name}.json").read_text())
    with ScriptedLLMServer(load_script(RECORDINGS / f"{name}.json")) as llm:
        config = {"model": "openai/fake-model", "base_url": llm.base_url, "usage_id": "agent"}
        problems = _replay(podman_settings, recording, config, lambda _client: llm.served)
    assert [p for p in problems if p.startswith(f"step {step} ")] == []


@pytest.mark.podman
@pytest.mark.parametrize("name", _params(IN_PROCESS))
def test_agent_recording_replay_provider_matches(name: str, podman_settings) -> None:
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

    def served(client) -> int:
        return client.app.state.services.runner.llms.replay(path).player.served

    problems = _without_gaps(name, _replay(settings, recording, config, served))
    assert problems == [], "\n".join(problems)

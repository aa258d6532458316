"""Replays the workspace recordings (bash endpoints, git changes and diffs) against a Podman
sandbox and compares status codes and response shapes with the reference's."""

from __future__ import annotations

import json
import shlex
import time
from typing import Any

import pytest

from tests.support.paths import RECORDINGS

RECORDED_WORKDIR = "/workspace"
# Waits for an agent run are skipped: conversations are created without their initial message
# (no LLM), and the agent's edits are made directly (AGENT_EDITS).
SKIPPED_OPS = {"wait"}
# Values compared exactly (after normalisation); every other scalar is compared by type.
ENUM_KEYS = {"kind", "status", "exit_code", "order", "success", "has_more"}
# Volatile fields, normalised before comparison: ids, timestamps, shas and paging cursors.
VOLATILE_KEYS = {"id", "command_id", "timestamp", "next_page_id", "sha", "short_sha"}
# The conversations of git_changes_diff edit files through the agent; the same edits are made
# directly after the skipped `wait` step (from the recording's llm_script).
AGENT_EDITS = {
    "git_changes_diff": {
        2: [
            ("replace", "README.md", "Original readme.", "Readme edited by the agent."),
            ("create", "src/new_module.py", "VALUE = 42\n", None),
        ]
    }
}
GIT_IDENTITY = (
    "export GIT_AUTHOR_NAME=Recorder GIT_AUTHOR_EMAIL=recorder@example.com "
    "GIT_COMMITTER_NAME=Recorder GIT_COMMITTER_EMAIL=recorder@example.com "
    "GIT_AUTHOR_DATE=2025-01-01T00:00:00+00:00 GIT_COMMITTER_DATE=2025-01-01T00:00:00+00:00; "
)


def normalise(value: Any) -> Any:
    """The comparable form of a response body: volatile fields become "<volatile>" (null stays
    null), ENUM_KEYS keep their values, other scalars become their JSON type name."""
    if isinstance(value, dict):
        return {key: _normalise_field(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return type(value).__name__


def _normalise_field(key: str, value: Any) -> Any:
    if key in VOLATILE_KEYS:
        return None if value is None else "<volatile>"
    if key in ENUM_KEYS:
        return value
    return normalise(value)


class IdMap:
    """Recorded ids (commands, events, commits, pages) and the ones our server returned."""

    def __init__(self, workdir: str) -> None:
        self.ours: dict[str, str] = {}
        self.workdir = workdir

    def learn(self, recorded: Any, actual: Any) -> None:
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for key, value in recorded.items():
                mine = actual.get(key)
                if key in VOLATILE_KEYS and isinstance(value, str) and isinstance(mine, str):
                    self.ours[value] = mine
                else:
                    self.learn(value, mine)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for pair in zip(recorded, actual, strict=False):
                self.learn(*pair)

    def apply(self, value: Any) -> Any:
        if isinstance(value, str):
            if value in self.ours:
                return self.ours[value]
            for recorded, mine in self.ours.items():
                value = value.replace(recorded, mine)
            if value.startswith(RECORDED_WORKDIR):
                value = self.workdir + value[len(RECORDED_WORKDIR) :]
            return value
        if isinstance(value, list):
            return [self.apply(item) for item in value]
        if isinstance(value, dict):
            return {key: self.apply(item) for key, item in value.items()}
        return value


def _apply_setup(sandbox, setup: dict[str, Any]) -> None:
    for relative, text in setup.get("files", {}).items():
        target = sandbox.workspace / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    for command in setup.get("commands", []):
        _run(sandbox, GIT_IDENTITY + command)


def _run(sandbox, command: str) -> None:
    out = sandbox.post(
        "/api/bash/execute_bash_command", json={"command": command, "cwd": sandbox.workdir}
    ).json()
    assert out["exit_code"] == 0, out


def _apply_agent_edits(sandbox, edits) -> None:
    for kind, relative, first, second in edits:
        quoted = shlex.quote(f"{sandbox.workdir}/{relative}")
        if kind == "replace":
            _run(sandbox, f"sed -i 's/{first}/{second}/' {quoted}")
        else:
            _run(sandbox, f"printf %s {shlex.quote(first)} > {quoted}")


def _sleeps_between(steps: list[dict[str, Any]], after: int, upto: int) -> float:
    return sum(s.get("seconds", 0) for s in steps[after + 1 : upto] if s["op"] == "sleep")


def _request_body(exchange: dict[str, Any]) -> Any:
    """The recorded body; a `create` step's conversation is created without its message."""
    body = exchange["request_body"]
    if exchange["op"] == "create":
        return {key: value for key, value in body.items() if key != "initial_message"}
    return body


def _shape_compared(exchange: dict[str, Any]) -> bool:
    """Every response's shape is compared, but that of a create whose message was dropped."""
    return exchange["op"] != "create" or exchange["request_body"].get("initial_message") is None


@pytest.mark.podman
@pytest.mark.parametrize("name", ["bash_endpoints", "git_changes_diff"])
def test_workspace_recording(podman_sandbox, name):
    recording = json.loads((RECORDINGS / f"{name}.json").read_text())
    sandbox = podman_sandbox
    _apply_setup(sandbox, recording["setup"])
    ids = IdMap(sandbox.workdir)
    last_step, skipped, compared = -1, [], 0
    for exchange in recording["transcript"]:
        time.sleep(_sleeps_between(recording["steps"], last_step, exchange["step"]))
        last_step = exchange["step"]
        if exchange["op"] in SKIPPED_OPS:
            skipped.append((exchange["step"], exchange["op"], exchange["path"]))
            for edit_step, edits in AGENT_EDITS.get(name, {}).items():
                if edit_step == exchange["step"]:
                    _apply_agent_edits(sandbox, edits)
            continue
        body = _request_body(exchange)
        response = sandbox.request(
            exchange["method"],
            ids.apply(exchange["path"]),
            params=ids.apply(exchange["query"]),
            json=ids.apply(body) if body is not None else None,
        )
        where = f"step {exchange['step']} {exchange['method']} {exchange['path']}"
        assert response.status_code == exchange["status"], (where, response.text)
        actual = response.json()
        if _shape_compared(exchange):
            assert normalise(actual) == normalise(exchange["response_body"]), where
        ids.learn(exchange["response_body"], actual)
        compared += 1
    assert compared >= 12
    assert all(step[1] in SKIPPED_OPS for step in skipped)

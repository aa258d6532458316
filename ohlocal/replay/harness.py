"""Replay one recording end to end: the scripted LLM, a target (a fresh `ohlocal serve`, or any
Agent Server URL), the recording's setup and steps, optional crash points, and the comparison.
`ohlocal replay` and tests/replay both run recordings through `replay_recording`."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ohlocal.llm.script import load_script
from ohlocal.replay.compare import compare
from ohlocal.replay.crash import EVERY, CrashPlan
from ohlocal.replay.sandbox import apply_setup_via_api, start_sandbox
from ohlocal.replay.scripted_llm import ScriptedLLMServer
from ohlocal.replay.server import ServerProcess
from ohlocal.replay.steps import ReplayTarget, StepError, StepRunner

if TYPE_CHECKING:
    from collections.abc import Iterator

CLIENT_TIMEOUT = 120.0


@dataclass(frozen=True)
class ReplayOptions:
    """Where and how to replay. `url` None spawns a fresh ohlocal; `crash_at` is a step
    index, EVERY, or None (spawned ohlocal only)."""

    url: str | None = None
    session_key: str | None = None
    crash_at: int | str | None = None
    sandbox_backend: str = "auto"
    podman_url: str | None = None
    workspace: str | None = None
    llm_host: str = "127.0.0.1"


@dataclass
class RecordingResult:
    name: str
    passed: bool
    events_matched: int = 0
    events_total: int = 0
    exchanges_matched: int = 0
    exchanges_total: int = 0
    crashes: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def first_difference(self) -> str | None:
        return self.problems[0] if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "first_difference": self.first_difference}


@dataclass
class _Session:
    target: ReplayTarget
    crash: CrashPlan | None = None


def replay_recording(path: Path, options: ReplayOptions) -> RecordingResult:
    """Replay the recording at `path` and compare; failures are reported, never raised."""
    recording = json.loads(path.read_text())
    started = time.monotonic()
    result = RecordingResult(name=path.stem, passed=False)
    try:
        with (
            ScriptedLLMServer(load_script(path), host=options.llm_host) as llm,
            _session(recording, options, llm) as session,
        ):
            replayed = StepRunner(recording, session.target).run()
            comparison = compare(recording, replayed)
            crash_problems = session.crash.check(replayed) if session.crash else []
    except (StepError, RuntimeError, httpx.HTTPError, KeyError) as exc:
        result.problems = [f"replay stopped: {type(exc).__name__}: {exc}"]
        result.seconds = time.monotonic() - started
        return result
    result.events_matched, result.events_total = comparison.events_matched, comparison.events_total
    result.exchanges_matched = comparison.exchanges_matched
    result.exchanges_total = comparison.exchanges_total
    result.problems = crash_problems + comparison.problems
    result.notes = comparison.notes
    result.crashes = session.crash.crashes if session.crash else 0
    result.passed = not result.problems
    result.seconds = time.monotonic() - started
    return result


def _llm_config(llm: ScriptedLLMServer) -> dict[str, Any]:
    return {"model": "openai/fake-model", "base_url": llm.base_url, "api_key": "fake"}


@contextmanager
def _session(
    recording: dict[str, Any], options: ReplayOptions, llm: ScriptedLLMServer
) -> Iterator[_Session]:
    if options.url is not None:
        with _url_session(recording, options, llm) as session:
            yield session
    else:
        with _spawned_session(recording, options, llm) as session:
            yield session


@contextmanager
def _url_session(
    recording: dict[str, Any], options: ReplayOptions, llm: ScriptedLLMServer
) -> Iterator[_Session]:
    assert options.url is not None
    headers = {"X-Session-API-Key": options.session_key} if options.session_key else {}
    workspace = options.workspace or recording["workspace"]
    with httpx.Client(base_url=options.url.rstrip("/"), timeout=CLIENT_TIMEOUT) as client:
        apply_setup_via_api(client, "", headers, workspace, recording["setup"])
        yield _Session(
            ReplayTarget(client, "", workspace, _llm_config(llm), lambda: llm.served, headers)
        )


@contextmanager
def _spawned_session(
    recording: dict[str, Any], options: ReplayOptions, llm: ScriptedLLMServer
) -> Iterator[_Session]:
    home = Path(tempfile.mkdtemp(prefix="ohl-replay-"))
    args = ["--sandbox-backend", options.sandbox_backend]
    if options.podman_url:
        args += ["--podman-url", options.podman_url]
    server = ServerProcess(home, *args)
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=CLIENT_TIMEOUT) as client:
            try:
                yield _spawned_target(recording, options, llm, server, client)
            finally:
                _delete_sandboxes(client)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _spawned_target(
    recording: dict[str, Any],
    options: ReplayOptions,
    llm: ScriptedLLMServer,
    server: ServerProcess,
    client: httpx.Client,
) -> _Session:
    sandbox = start_sandbox(client)
    backend = client.get("/server_info").json()["sandbox_backend"]["name"]
    workspace = recording["workspace"]
    if backend != "podman":
        workspace = str(server.home / "workspaces" / sandbox.sandbox_id)
    headers = {"X-Session-API-Key": sandbox.session_api_key or ""}
    apply_setup_via_api(client, sandbox.agent_prefix, headers, workspace, recording["setup"])
    crash = None
    if options.crash_at is not None:
        points: set[int] | str = EVERY if options.crash_at == EVERY else {int(options.crash_at)}
        crash = CrashPlan(points, server, llm, sandbox.sandbox_id)
    target = ReplayTarget(
        client, sandbox.agent_prefix, workspace, _llm_config(llm), lambda: llm.served, headers
    )
    target.after_step = crash
    return _Session(target, crash)


def _delete_sandboxes(client: httpx.Client) -> None:
    """Remove the replay's sandboxes (and their containers) before the server stops."""
    try:
        for sandbox in client.get("/api/v1/sandboxes/search").json()["items"]:
            client.delete(
                f"/api/v1/sandboxes/{sandbox['id']}", params={"sandbox_id": sandbox["id"]}
            )
    except httpx.HTTPError:
        pass  # the server is gone; `ohlocal serve` removes orphans at its next start

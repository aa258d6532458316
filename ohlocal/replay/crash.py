"""Crash points of a replay: kill -9 the server after chosen steps, start it again on the same
home and port, and check afterwards that no event a client had seen was lost or duplicated and
that no action got two results."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ohlocal.replay.scripted_llm import ScriptedLLMServer
    from ohlocal.replay.server import ServerProcess
    from ohlocal.replay.steps import ReplayResult, StepRunner

EVERY = "every"
ADOPT_TIMEOUT = 30.0
RESULT_KINDS = ("ObservationEvent", "AgentErrorEvent", "UserRejectObservation")


class CrashPlan:
    """The `after_step` hook of a crash replay; `points` is a set of step indexes or EVERY."""

    def __init__(
        self,
        points: set[int] | str,
        server: ServerProcess,
        llm: ScriptedLLMServer,
        sandbox_id: str,
    ) -> None:
        self.points = points
        self.server = server
        self.llm = llm
        self.sandbox_id = sandbox_id
        self.crashes = 0
        self.problems: list[str] = []
        # Event ids some client had read before each crash, by conversation id.
        self.seen: dict[str, set[str]] = {}

    def __call__(self, index: int, runner: StepRunner) -> None:
        if self.points != EVERY and index not in self.points:
            return
        running = self._snapshot(runner)
        self.server.kill()
        self.llm.server_crashed()
        if not running:
            self.llm.forget_unsettled()
        self.server.start()
        self.crashes += 1
        self._wait_adopted(runner.target.client, index)

    def _snapshot(self, runner: StepRunner) -> bool:
        """Read every conversation's events as a client would; True if one is running."""
        running = False
        for cid in runner.conversation_ids().values():
            try:
                events = runner.events_of(cid)
                info = runner.target.client.get(
                    f"{runner.target.agent_prefix}/api/conversations/{cid}",
                    headers=runner.target.headers,
                ).json()
            except httpx.HTTPStatusError:
                continue  # deleted by a step
            self.seen.setdefault(cid, set()).update(e["id"] for e in events)
            running = running or info.get("execution_status") == "running"
        return running

    def _wait_adopted(self, client: httpx.Client, index: int) -> None:
        deadline = time.monotonic() + ADOPT_TIMEOUT
        while time.monotonic() < deadline:
            found = client.get("/api/v1/sandboxes", params={"id": self.sandbox_id}).json()[0]
            if found is not None and found["status"] == "RUNNING":
                return
            time.sleep(0.1)
        self.problems.append(f"crash after step {index}: the sandbox was not RUNNING again")

    def check(self, result: ReplayResult) -> list[str]:
        """Lost or duplicated events and actions with more than one result."""
        problems = list(self.problems)
        for var, conversation in result.conversations.items():
            problems += log_problems(var, conversation["events"], self.seen.get(conversation["id"]))
        return problems


def log_problems(var: str, events: list[dict[str, Any]], seen: set[str] | None) -> list[str]:
    problems: list[str] = []
    ids = Counter(e["id"] for e in events)
    duplicated = sorted(i for i, n in ids.items() if n > 1)
    if duplicated:
        problems.append(f"conversation {var}: duplicated events {duplicated[:3]}")
    lost = sorted((seen or set()) - set(ids))
    if lost:
        problems.append(f"conversation {var}: {len(lost)} events seen before a crash are lost")
    results = Counter(e.get("tool_call_id") for e in events if e["kind"] in RESULT_KINDS)
    twice = sorted(str(c) for c, n in results.items() if n > 1 and c is not None)
    if twice:
        problems.append(f"conversation {var}: tool calls with more than one result {twice[:3]}")
    return problems

"""50 concurrent conversations on one `ohlocal serve` with the replay LLM: p50/p99 latency of
the API calls clients poll with while they run, and the server's peak RSS. Loopback only."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import percentile
from ohlocal.replay.server import ServerProcess

CONVERSATIONS = 50
TURNS_PER_CONVERSATION = 4
RUN_TIMEOUT = 180.0
POLL_PAUSE = 0.02


@dataclass
class LoadResult:
    conversations: int
    finished: int
    errors: list[str]
    latencies_ms: list[float]
    seconds: float
    peak_rss_mib: float

    def summary(self) -> str:
        return (
            f"{self.finished}/{self.conversations} conversations finished in "
            f"{self.seconds:.1f} s, {len(self.errors)} errors; API latency over "
            f"{len(self.latencies_ms)} calls p50 {percentile(self.latencies_ms, 50):.1f} ms, "
            f"p99 {percentile(self.latencies_ms, 99):.1f} ms; server peak RSS "
            f"{self.peak_rss_mib:.0f} MiB"
        )


def _script(path: Path, turns: int) -> None:
    calls = [
        {"name": "terminal", "arguments": {"command": f"sleep 0.5; echo load {n}"}}
        for n in range(turns)
    ]
    # Past the end of the script every conversation gets the plain reply "done" and finishes.
    path.write_text(json.dumps({"turns": [{"tool_calls": [call]} for call in calls]}))


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_load(conversations: int = CONVERSATIONS, backend: str = "auto") -> LoadResult:
    """Start a server, run `conversations` conversations at once, measure, stop it."""
    home = Path(tempfile.mkdtemp(prefix="ohl-load-"))
    script = home / "script.json"
    _script(script, conversations * TURNS_PER_CONVERSATION)
    server = ServerProcess(
        home / "home", "--sandbox-backend", backend, "--llm-provider", "replay",
        "--llm-script", str(script), "--log-level", "warning",
    )  # fmt: skip
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            return _drive(client, server, conversations)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _drive(client: httpx.Client, server: ServerProcess, count: int) -> LoadResult:
    sandbox = client.post("/api/v1/sandboxes").json()
    prefix = f"/agent/{sandbox['id']}"
    client.headers["X-Session-API-Key"] = sandbox["session_api_key"]
    workdir = "/workspace"
    if client.get("/server_info").json()["sandbox_backend"]["name"] != "podman":
        workdir = str(server.home / "workspaces" / sandbox["id"])
    started = time.monotonic()
    ids = [_create(client, prefix, workdir, n) for n in range(count)]
    latencies: list[float] = []
    statuses = _poll_until_settled(client, prefix, ids, latencies)
    errors = [f"{cid}: {status}" for cid, status in statuses.items() if status != "finished"]
    client.delete(f"/api/v1/sandboxes/{sandbox['id']}", params={"sandbox_id": sandbox["id"]})
    assert server.pid is not None
    return LoadResult(
        conversations=count,
        finished=count - len(errors),
        errors=errors,
        latencies_ms=latencies,
        seconds=time.monotonic() - started,
        peak_rss_mib=_peak_rss_mib(server.pid),
    )


def _create(client: httpx.Client, prefix: str, workdir: str, number: int) -> str:
    body = {
        "workspace": {"kind": "LocalWorkspace", "working_dir": workdir},
        "agent": {"kind": "Agent", "llm": {"model": "replayed"}, "tools": [{"name": "terminal"}]},
        "stuck_detection": False,
        "initial_message": {
            "role": "user",
            "content": [{"type": "text", "text": f"task {number}"}],
            "run": True,
        },
    }
    response = client.post(f"{prefix}/api/conversations", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


def _poll_until_settled(
    client: httpx.Client, prefix: str, ids: list[str], latencies: list[float]
) -> dict[str, str]:
    """Poll every conversation and its events from 4 threads, as clients do, until none runs."""
    statuses = dict.fromkeys(ids, "running")
    deadline = time.monotonic() + RUN_TIMEOUT
    lock = threading.Lock()

    def poll(part: list[str]) -> None:
        while time.monotonic() < deadline and any(statuses[c] in ("idle", "running") for c in part):
            for cid in part:
                for path in (
                    f"/api/conversations/{cid}",
                    f"/api/conversations/{cid}/events/search",
                ):
                    begun = time.perf_counter()
                    body = client.get(prefix + path).json()
                    with lock:
                        latencies.append((time.perf_counter() - begun) * 1000)
                    if "execution_status" in body:
                        statuses[cid] = body["execution_status"]
            time.sleep(POLL_PAUSE)

    threads = [threading.Thread(target=poll, args=(ids[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


if __name__ == "__main__":
    print(run_load().summary())

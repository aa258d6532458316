"""App conversation start benchmark on Podman: POST /api/v1/app-conversations until the start
task is READY, with a new sandbox each time and reusing one running sandbox. Prints p50/p90.

Run from the repository root: .venv/bin/python -m bench.app_conversation_bench
"""

from __future__ import annotations

import time

import httpx

from bench.server import percentile, running_server

ROUNDS_NEW = 5
ROUNDS_REUSE = 20
POLL = 0.005


def start_until_ready(client: httpx.Client, body: dict[str, object]) -> tuple[float, dict]:
    began = time.perf_counter()
    task = client.post("/api/v1/app-conversations", json=body).json()
    while task["status"] not in ("READY", "ERROR"):
        time.sleep(POLL)
        task = client.get("/api/v1/app-conversations/start-tasks", params={"ids": task["id"]})
        task = task.json()[0]
    if task["status"] != "READY":
        raise RuntimeError(f"start task failed: {task['detail']}")
    return time.perf_counter() - began, task


def report(name: str, seconds: list[float], target: float) -> None:
    p50, p90 = percentile(seconds, 50), percentile(seconds, 90)
    print(f"{name:<34} n={len(seconds):>3}  p50={p50:.3f}s  p90={p90:.3f}s  target<={target}s")


def main() -> None:
    with running_server("--sandbox-backend", "podman") as server:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            new: list[float] = []
            sandboxes: list[str] = []
            for _ in range(ROUNDS_NEW):
                seconds, task = start_until_ready(client, {})
                new.append(seconds)
                sandboxes.append(task["sandbox_id"])
            reuse = [
                start_until_ready(client, {"sandbox_id": sandboxes[0]})[0]
                for _ in range(ROUNDS_REUSE)
            ]
            report("POST -> READY, new sandbox", new, 1.0)
            report("POST -> READY, running sandbox", reuse, 0.2)
            print("reference (openhands-ai 1.11.0, process sandbox): 11.6 s to READY")


if __name__ == "__main__":
    main()

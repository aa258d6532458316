"""Sandbox benchmark (issue #2): POST /api/v1/sandboxes -> RUNNING, pause and resume latency,
and the server's RSS with 10 running sandboxes, on real Podman.

Run from the repository root: .venv/bin/python -m bench.sandbox_bench [--count 10]
Targets: POST -> RUNNING p50 <= 0.5 s; pause and resume p50 <= 0.1 s; RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import time

import httpx

from bench.server import percentile, running_server


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10, help="sandboxes to start")
    args = parser.parse_args()

    with (
        running_server("--sandbox-backend", "podman") as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        rss_idle = server.rss_mib()
        starts, ids = [], []
        for _ in range(args.count):
            begin = time.perf_counter()
            info = http.post("/api/v1/sandboxes").json()
            while info["status"] != "RUNNING":
                info = http.get("/api/v1/sandboxes", params={"id": info["id"]}).json()[0]
            starts.append(time.perf_counter() - begin)
            ids.append(info["id"])
        time.sleep(1)
        rss_running = server.rss_mib()
        podman_rss = server.podman_service_rss_mib()

        pauses = [_timed(lambda s=s: http.post(f"/api/v1/sandboxes/{s}/pause")) for s in ids]
        resumes = [_timed(lambda s=s: http.post(f"/api/v1/sandboxes/{s}/resume")) for s in ids]
        for sandbox_id in ids:
            http.delete(f"/api/v1/sandboxes/{sandbox_id}", params={"sandbox_id": sandbox_id})

    result = {
        "sandboxes": args.count,
        "post_to_running_p50_s": round(percentile(starts, 50), 3),
        "post_to_running_p90_s": round(percentile(starts, 90), 3),
        "pause_p50_s": round(percentile(pauses, 50), 4),
        "resume_p50_s": round(percentile(resumes, 50), 4),
        "server_rss_idle_mib": round(rss_idle, 1),
        f"server_rss_{args.count}_running_mib": round(rss_running, 1),
        "podman_service_rss_mib": podman_rss and round(podman_rss, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

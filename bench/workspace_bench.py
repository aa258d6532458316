"""Workspace benchmark: `execute_bash_command` round trips and download throughput on Podman.

Run from the repository root:  .venv/bin/python -m bench.workspace_bench [--calls 200]
It starts `ohlocal serve --port 0` on a temporary home, creates a Podman sandbox, prints the
figures, then deletes the sandbox and stops the server it started (by pid).
Targets: p50 <= 60 ms for `echo hi`; download >= 200 MB/s for a 100 MB file.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

DOWNLOAD_MB = 100


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ohlocal", "serve", "--port", "0", "--home", str(home),
         "--sandbox-backend", "podman", "--log-level", "warning"],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    for raw in proc.stderr:
        match = re.search(r"serving on (http://\S+)", raw.decode())
        if match:
            return proc, match.group(1)
    raise SystemExit(f"server exited with code {proc.wait()}")


def wait_running(http: httpx.Client, sandbox_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = http.get("/api/v1/sandboxes", params={"id": sandbox_id}).json()[0]
        if info["status"] == "RUNNING":
            return dict(info)
        time.sleep(0.2)
    raise SystemExit("sandbox did not reach RUNNING")


def bench(base_url: str, calls: int) -> None:
    with httpx.Client(base_url=base_url, timeout=120) as http:
        info = http.post("/api/v1/sandboxes").json()
        info = wait_running(http, str(info["id"]))
        agent = f"/agent/{info['id']}"
        headers = {"X-Session-API-Key": str(info["session_api_key"])}
        try:
            times = []
            for _ in range(calls + 5):
                start = time.perf_counter()
                out = http.post(
                    f"{agent}/api/bash/execute_bash_command",
                    headers=headers,
                    json={"command": "echo hi"},
                ).json()
                times.append(time.perf_counter() - start)
                assert out["stdout"] == "hi\n", out
            times = sorted(times[5:])
            p50 = statistics.median(times) * 1000
            p90 = times[int(len(times) * 0.9)] * 1000
            print(f"execute_bash_command echo hi: {calls} calls p50={p50:.1f} ms p90={p90:.1f} ms")

            http.post(
                f"{agent}/api/bash/execute_bash_command",
                headers=headers,
                json={"command": f"head -c {DOWNLOAD_MB}M /dev/urandom > /workspace/big.bin"},
            )
            start = time.perf_counter()
            received = 0
            with http.stream(
                "GET", f"{agent}/api/file/download", params={"path": "/workspace/big.bin"},
                headers=headers,
            ) as response:  # fmt: skip
                for chunk in response.iter_bytes():
                    received += len(chunk)
            seconds = time.perf_counter() - start
            rate = received / seconds / 1e6
            print(f"download {received / 1e6:.0f} MB: {seconds:.2f} s, {rate:.0f} MB/s")
        finally:
            http.delete(f"/api/v1/sandboxes/{info['id']}", params={"sandbox_id": info["id"]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ohl-bench-"))
    proc, base_url = start_server(home)
    try:
        bench(base_url, args.calls)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

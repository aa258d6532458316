"""Checks ohlocal's workspace routes with the real OpenHands SDK `RemoteWorkspace`.

Not collected by pytest (the file name does not start with `test_`). How to run it:

    /root/.pyenv/versions/3.12.1/bin/python -m venv /tmp/sdk-venv
    /tmp/sdk-venv/bin/pip install openhands-sdk==1.58.2 openhands-workspace==1.58.2
    ohlocal serve --port 3000 &                      # in this repository's venv
    curl -s -X POST http://127.0.0.1:3000/api/v1/sandboxes   # note id and session_api_key
    /tmp/sdk-venv/bin/python tests/sdk/remote_workspace_check.py \\
        --host http://127.0.0.1:3000/agent/<sandbox id> --api-key <session_api_key>

With --start, the script does the last two steps itself against --server (default
http://127.0.0.1:3000). It exits 0 when every check passes and prints one line per check.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from openhands.sdk.workspace import RemoteWorkspace


def start_sandbox(server: str) -> tuple[str, str]:
    request = urllib.request.Request(f"{server}/api/v1/sandboxes", method="POST")
    info = json.load(urllib.request.urlopen(request))
    for _ in range(300):
        if info["status"] == "RUNNING":
            return f"{server}/agent/{info['id']}", info["session_api_key"]
        time.sleep(0.2)
        query = f"{server}/api/v1/sandboxes?id={info['id']}"
        info = json.load(urllib.request.urlopen(query))[0]
    raise SystemExit("sandbox did not reach RUNNING")


def check(name: str, condition: bool, detail: object = "") -> bool:
    print(f"{'PASS' if condition else 'FAIL'} {name} {detail}")
    return condition


def run(host: str, api_key: str, working_dir: str) -> bool:
    ws = RemoteWorkspace(host=host, api_key=api_key, working_dir=working_dir)
    ok = True
    result = ws.execute_command("echo hello && echo oops >&2")
    ok &= check("execute_command output", "hello" in result.stdout, repr(result.stdout))
    ok &= check("execute_command exit 0", result.exit_code == 0, result.exit_code)
    result = ws.execute_command("exit 7")
    ok &= check("execute_command exit code", result.exit_code == 7, result.exit_code)
    ws.execute_command(f"mkdir -p {working_dir}/sub")
    result = ws.execute_command("pwd", cwd=f"{working_dir}/sub")
    ok &= check("execute_command cwd", result.stdout.strip() == f"{working_dir}/sub", result.stdout)
    result = ws.execute_command("sleep 5", timeout=1)
    ok &= check("execute_command timeout", result.exit_code == -1, result.exit_code)

    data = os.urandom(1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        source.write_bytes(data)
        up = ws.file_upload(str(source), f"{working_dir}/data/in.bin")
        ok &= check("file_upload", up.success, up)
        down = ws.file_download(f"{working_dir}/data/in.bin", str(target))
        ok &= check("file_download", down.success, down)
        ok &= check("1 MB round trip identical", target.read_bytes() == data)

    ws.execute_command(
        "git init -q . && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m i"
        " && echo x > tracked.txt"
    )
    changes = ws.git_changes(Path(working_dir))
    paths = sorted(str(c.path) for c in changes)
    ok &= check("git_changes", "tracked.txt" in paths, paths)
    diff = ws.git_diff(Path(working_dir) / "tracked.txt")
    ok &= check("git_diff", diff.modified == "x", diff)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description="RemoteWorkspace check against ohlocal")
    parser.add_argument("--host", help="the sandbox's AGENT_SERVER url")
    parser.add_argument("--api-key", help="the sandbox's session API key")
    parser.add_argument("--start", action="store_true", help="start a sandbox on --server")
    parser.add_argument("--server", default="http://127.0.0.1:3000")
    parser.add_argument("--working-dir", default="/workspace")
    args = parser.parse_args()
    host, key = (args.host, args.api_key) if not args.start else start_sandbox(args.server)
    sys.exit(0 if run(host, key, args.working_dir) else 1)


if __name__ == "__main__":
    main()

"""Uploads and downloads stream: a 200 MB file moves without the server holding it in memory.
Runs a real uvicorn server in a thread, since the test client buffers whole bodies."""

from __future__ import annotations

import os
import threading
import time
import tracemalloc

import httpx
import pytest
import uvicorn

from ohlocal.app import create_app

SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
# Allowed growth of traced memory (server and client together) while the file moves.
MAX_GROWTH = 40 * 1024 * 1024
BOUNDARY = "ohlocalboundary"


@pytest.fixture
def live_server(settings):
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _body(boundary: bytes):
    yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="big"\r\n'
    yield b"Content-Type: application/octet-stream\r\n\r\n"
    block = b"\xab" * CHUNK
    for _ in range(SIZE // CHUNK):
        yield block
    yield b"\r\n--" + boundary + b"--\r\n"


def test_upload_and_download_200mb_in_constant_memory(live_server):
    with httpx.Client(base_url=live_server, timeout=120) as http:
        info = http.post("/api/v1/sandboxes").json()
        prefix = f"/agent/{info['id']}"
        headers = {"X-Session-API-Key": info["session_api_key"]}
        out = http.post(
            f"{prefix}/api/bash/execute_bash_command", headers=headers, json={"command": "pwd"}
        ).json()
        path = out["stdout"].strip() + "/big.bin"

        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            upload = http.post(
                f"{prefix}/api/file/upload",
                params={"path": path},
                headers=headers | {"content-type": "multipart/form-data; boundary=" + BOUNDARY},
                content=_body(BOUNDARY.encode()),
            )
            assert upload.json() == {"success": True, "file_size": SIZE}
            received = 0
            with http.stream(
                "GET", f"{prefix}/api/file/download", params={"path": path}, headers=headers
            ) as response:
                assert response.headers["content-length"] == str(SIZE)
                for chunk in response.iter_bytes():
                    received += len(chunk)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert received == SIZE
        assert peak - base < MAX_GROWTH, f"memory grew by {(peak - base) / 1e6:.0f} MB"
        os.unlink(path)

"""Event log throughput at 100k events in one conversation, measured over HTTP.

Runs `ohlocal` on a temporary home (process backend) in a child process, with a bench runner
that only records each posted message (one MessageEvent, no LLM). Prints the append rate of
`POST .../events`, p50 of `events/search` and `events/count`, and a full page walk.

    .venv/bin/python -m bench.events_bench [--events 100000] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import uvicorn

from ohlocal.app import create_app
from ohlocal.models.events import MessageEvent
from ohlocal.models.message import Message
from ohlocal.settings import build_settings

if TYPE_CHECKING:
    from uuid import UUID


class BenchRunner:
    """Records messages as MessageEvents and does nothing else."""

    def __init__(self, context: Any) -> None:
        self.log = context.event_log

    async def send_message(self, conversation_id: UUID, message: Any) -> None:
        event = MessageEvent(
            source="user", llm_message=Message(role="user", content=message.content)
        )
        await self.log.append(conversation_id, event)

    async def on_created(self, conversation_id: UUID, initial_message: Any) -> None:
        return None

    async def recover(self) -> None:
        return None

    async def delete(self, conversation_id: UUID) -> None:
        return None


def serve(home: str, port: int) -> None:
    settings = build_settings(
        home=Path(home), environ={}, sandbox_backend="process", reconcile_interval=3600
    )
    app = create_app(settings, runner_factory=BenchRunner)  # type: ignore[arg-type]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_up(client: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise SystemExit("server did not start")


class RawClient:
    """Keep-alive HTTP/1.1 over one socket: far less client CPU than httpx, so the figures
    measure the server."""

    def __init__(self, port: int, key: str) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb")
        self._key = key

    def request(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: x\r\nX-Session-API-Key: {self._key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self._sock.sendall(head.encode() + body)
        status = self._file.readline()
        length = 0
        while (line := self._file.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        data = self._file.read(length)
        if b" 200 " not in status:
            raise RuntimeError(f"{status!r} {data[:200]!r}")
        return data


def append_worker(port: int, key: str, url: str, numbers: range) -> None:
    client = RawClient(port, key)
    for n in numbers:
        text = f"message {n}"
        client.request(
            "POST",
            url,
            b'{"role":"user","content":[{"type":"text","text":"%s"}],"run":false}' % text.encode(),
        )


def append_all(port: int, key: str, url: str, total: int, workers: int) -> float:
    share = total // workers
    chunks = [
        range(i * share, (i + 1) * share if i < workers - 1 else total) for i in range(workers)
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        for done in [pool.submit(append_worker, port, key, url, chunk) for chunk in chunks]:
            done.result()
    return total / (time.perf_counter() - start)


def p50(client: RawClient, url: str, params: list[dict[str, Any]]) -> float:
    timings = []
    for query in params:
        start = time.perf_counter()
        client.request("GET", f"{url}?{urlencode(query)}")
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def page_walk(client: RawClient, url: str) -> tuple[float, int]:
    start, seen, page_id = time.perf_counter(), 0, None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"page_id": page_id} if page_id else {})
        page = json.loads(client.request("GET", f"{url}?{urlencode(params)}"))
        seen += len(page["items"])
        page_id = page["next_page_id"]
        if page_id is None:
            return time.perf_counter() - start, seen


async def setup(base: str) -> tuple[str, str]:
    """A sandbox and a conversation: (session key, conversation path)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await wait_up(client)
        sandbox = (await client.post("/api/v1/sandboxes")).json()
        client.headers["X-Session-API-Key"] = sandbox["session_api_key"]
        agent = f"/agent/{sandbox['id']}/api/conversations"
        cid = (await client.post(agent, json={"agent": {"kind": "Agent"}})).json()["id"]
        return sandbox["session_api_key"], f"{agent}/{cid}"


def bench(port: int, events: int, workers: int) -> None:
    key, conv = asyncio.run(setup(f"http://127.0.0.1:{port}"))
    rate = append_all(port, key, f"{conv}/events", events, workers)
    print(f"append: {events} messages at {rate:,.0f} messages/s ({workers} client processes)")

    client = RawClient(port, key)
    ids = [i["id"] for i in json.loads(client.request("GET", f"{conv}/events/search"))["items"]]
    searches = [{"limit": 100}] * 100 + [{"limit": 100, "page_id": random.choice(ids)}] * 100
    searches += [{"limit": 100, "kind": "MessageEvent", "sort_order": "TIMESTAMP_DESC"}] * 100
    print(f"events/search p50: {p50(client, f'{conv}/events/search', searches):.2f} ms")
    counts = [{}] * 200 + [{"kind": "MessageEvent"}] * 200
    print(f"events/count p50: {p50(client, f'{conv}/events/count', counts):.2f} ms")
    walk, seen = page_walk(client, f"{conv}/events/search")
    print(f"full page walk: {seen} events in {walk:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4, help="client processes posting")
    parser.add_argument("--serve", nargs=2, metavar=("HOME", "PORT"))
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    home, port = tempfile.mkdtemp(prefix="ohl-bench-"), free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", home, str(port)])
    try:
        bench(port, args.events, args.workers)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

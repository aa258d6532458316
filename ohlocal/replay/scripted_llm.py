"""A real OpenAI-compatible HTTP server on loopback that serves an LLM script the way the
recording harness did: tool-carrying requests get the next turn, tool-less ones a side reply.

It outlives the server under test, so it also knows what a crash of that server interrupted:
after `server_crashed()`, a request identical to one whose answer was in flight (or sent just
before the crash) gets that same answer again instead of the next turn, because the crashed
server never acted on it. Without that, every crash would shift the script by one turn."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from ohlocal.llm.script import LLMScript, ScriptedAnswer, ScriptPlayer

if TYPE_CHECKING:
    from collections.abc import Callable

# An answer sent this many seconds or less before a crash may not have been acted on yet.
UNSETTLED_WINDOW = 0.5


@dataclass
class _Served:
    key: str
    answer: ScriptedAnswer
    finished_at: float | None = None  # None while the answer is being delayed or written


class ScriptedLLMServer:
    """Start with `with ScriptedLLMServer(script) as llm:`; `llm.base_url` ends in `/v1`."""

    def __init__(self, script: LLMScript, host: str = "127.0.0.1") -> None:
        self.player = ScriptPlayer(script)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._served: list[_Served] = []
        self._replayable: dict[str, ScriptedAnswer] = {}
        self._server = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def served(self) -> int:
        return self.player.served

    @property
    def exchanges(self) -> list[dict[str, Any]]:
        return self.player.exchanges

    def server_crashed(self) -> None:
        """The server under test was killed: answers it may not have acted on become
        replayable, once each, to an identical request."""
        now = time.monotonic()
        with self._lock:
            self._replayable = {
                s.key: s.answer
                for s in self._served
                if s.answer.status < 400
                and (s.finished_at is None or now - s.finished_at <= UNSETTLED_WINDOW)
            }

    def forget_unsettled(self) -> None:
        """Nothing was in flight at the crash after all (no conversation was running)."""
        with self._lock:
            self._replayable.clear()

    def answer(self, request: dict[str, Any]) -> tuple[ScriptedAnswer, Callable[[], None]]:
        """The answer to `request`, and a callback to call once it has been sent."""
        key = _request_key(request)
        with self._lock:
            self.requests.append(request)
            answer = self._replayable.pop(key, None) if request.get("tools") else None
            if answer is None:
                answer = self.player.answer(request)
            served = _Served(key, answer)
            if answer.kind == "turn":
                self._served.append(served)

        def sent() -> None:
            served.finished_at = time.monotonic()

        return answer, sent

    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _request_key(request: dict[str, Any]) -> str:
    text = json.dumps(request.get("messages", []), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _handler_for(owner: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def do_POST(self) -> None:  # noqa: N802
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            answer, sent = owner.answer(request)
            time.sleep(answer.delay)
            try:
                if answer.status == 200 and request.get("stream"):
                    self._send_stream(answer.body)
                else:
                    self._send(answer.status, answer.body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (an interrupted LLM call)
            finally:
                sent()

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send_stream(self, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for chunk in _chunks(body):
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")

    return Handler


def _chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A completion split into stream chunks: content in two pieces, each tool call in two."""
    message = body["choices"][0]["message"]
    base = {"id": body["id"], "object": "chat.completion.chunk", "model": body["model"]}
    deltas: list[dict[str, Any]] = [{"role": "assistant"}]
    content = message.get("content") or ""
    if content:
        half = len(content) // 2
        deltas += [{"content": content[:half]}, {"content": content[half:]}]
    for index, call in enumerate(message.get("tool_calls") or []):
        args = call["function"]["arguments"]
        half = len(args) // 2
        first: dict[str, Any] = {"index": index, "id": call["id"], "type": "function"}
        first["function"] = {"name": call["function"]["name"], "arguments": args[:half]}
        deltas.append({"tool_calls": [first]})
        deltas.append({"tool_calls": [{"index": index, "function": {"arguments": args[half:]}}]})
    chunks = [
        {**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas
    ]
    finish = body["choices"][0]["finish_reason"]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    chunks.append({**base, "choices": [], "usage": body["usage"]})
    return chunks


def main() -> None:
    """`python -m ohlocal.replay.scripted_llm SCRIPT`: serve a script (or a recording) until
    killed; prints the base URL on its first line."""
    import sys
    from pathlib import Path

    from ohlocal.llm.script import load_script

    with ScriptedLLMServer(load_script(Path(sys.argv[1]))) as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()

"""A real OpenAI-compatible HTTP server on loopback that serves an LLM script the way the
recording harness did: tool-carrying requests get the next turn, tool-less ones a side reply."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ohlocal.llm.script import LLMScript, ScriptPlayer


class ScriptedLLMServer:
    """Start with `with ScriptedLLMServer(script) as llm:`; `llm.base_url` ends in `/v1`."""

    def __init__(self, script: LLMScript) -> None:
        self.player = ScriptPlayer(script)
        self.requests: list[dict[str, Any]] = []
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def served(self) -> int:
        return self.player.served

    @property
    def exchanges(self) -> list[dict[str, Any]]:
        return self.player.exchanges

    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


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
            owner.requests.append(request)
            answer = owner.player.answer(request)
            time.sleep(answer.delay)
            try:
                if answer.status == 200 and request.get("stream"):
                    self._send_stream(answer.body)
                else:
                    self._send(answer.status, answer.body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (an interrupted LLM call)

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
        first = {"index": index, "id": call["id"], "type": "function"}
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
    """`python -m tests.support.scripted_llm SCRIPT`: serve a script (or a recording) until
    killed; prints the base URL on its first line."""
    import sys
    from pathlib import Path

    from ohlocal.llm.script import load_script

    with ScriptedLLMServer(load_script(Path(sys.argv[1]))) as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()

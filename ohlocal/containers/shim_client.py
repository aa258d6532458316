"""Host side of the in-sandbox helper protocol (see ohlocal/sandbox/shim.py)."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from anyio.streams.buffered import BufferedByteReceiveStream

from ohlocal.errors import BackendError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from anyio.abc import SocketStream

CONNECT_TIMEOUT = 5.0
MAX_LINE = 2**24
# Where the helper and its socket appear inside a container.
SHIM_DIR_IN_SANDBOX = "/opt/ohlocal"
RUN_DIR_IN_SANDBOX = "/run/ohlocal"
SOCKET_NAME = "shim.sock"


class ExecOutput(msgspec.Struct):
    stream: str
    data: str


class ExecExit(msgspec.Struct):
    code: int
    timed_out: bool


class ShimConnection:
    """One request's connection: JSON lines both ways."""

    def __init__(self, stream: SocketStream) -> None:
        self._stream = stream
        self._reader = BufferedByteReceiveStream(stream)

    async def send(self, message: dict[str, Any]) -> None:
        await self._stream.send(json.dumps(message).encode() + b"\n")

    async def receive(self) -> dict[str, Any]:
        try:
            line = await self._reader.receive_until(b"\n", MAX_LINE)
        except (anyio.EndOfStream, anyio.IncompleteRead) as exc:
            raise BackendError("sandbox helper closed the connection") from exc
        message: dict[str, Any] = json.loads(line)
        if message.get("t") == "error":
            raise BackendError(f"sandbox helper: {message.get('detail')}")
        return message


class ShimClient:
    """Talks to the helper of one sandbox through its socket on the host."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[ShimConnection]:
        try:
            with anyio.fail_after(CONNECT_TIMEOUT):
                stream = await anyio.connect_unix(str(self.socket_path))
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"sandbox helper unreachable at {self.socket_path}: {exc}") from exc
        async with stream:
            yield ShimConnection(stream)

    async def ping(self) -> int:
        async with self.connect() as conn:
            await conn.send({"op": "ping"})
            reply = await conn.receive()
            return int(reply["pid"])

    async def exec_stream(
        self,
        command: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[ExecOutput | ExecExit]:
        """Run `command` with bash; yield output chunks as they arrive, then the exit."""
        async with self.connect() as conn:
            await conn.send(
                {"op": "exec", "command": command, "cwd": cwd, "env": env or {}, "timeout": timeout}
            )
            await conn.receive()  # "started"
            while True:
                message = await conn.receive()
                if message["t"] == "out":
                    yield ExecOutput(stream=message["stream"], data=message["data"])
                elif message["t"] == "exit":
                    yield ExecExit(code=int(message["code"]), timed_out=bool(message["timed_out"]))
                    return

    async def exec(
        self,
        command: str,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> tuple[int, str, str]:
        """Run `command` to the end; return (exit code, stdout, stderr)."""
        out: list[str] = []
        err: list[str] = []
        code = -1
        async for item in self.exec_stream(command, cwd, env, timeout):
            if isinstance(item, ExecOutput):
                (out if item.stream == "stdout" else err).append(item.data)
            else:
                code = item.code
        return code, "".join(out), "".join(err)

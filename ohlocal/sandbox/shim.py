"""The in-sandbox helper: ohlocal's hands inside a container (or a process sandbox).

It listens on a unix socket that the host reaches through a bind mount. Each connection carries
one request as a JSON line and gets JSON lines back. Standard library only, because it runs on
the sandbox image's own python3.

Requests:
  {"op": "ping"}                      -> {"t": "pong", "pid": N}
  {"op": "exec", "command": "...", "cwd": "...", "env": {...}, "timeout": seconds | null}
      -> {"t": "started", "pid": N}, then {"t": "out", "stream": "stdout"|"stderr", "data": "..."}
         chunks as they arrive, then {"t": "exit", "code": N, "timed_out": bool}.
      While it runs the client may send {"signal": N}; closing the connection kills the command.
  {"op": "read_file", "path": "/abs"}
      -> {"t": "file", "size": N}, then {"t": "data", "b64": "..."} chunks, then {"t": "eof"};
         or {"t": "missing", "reason": "..."} when there is no regular file to read.
  {"op": "write_file", "path": "/abs"}, then {"b64": "..."} lines and {"end": true}
      -> {"t": "written", "size": N}; parent directories are created.
  {"op": "terminal", "session": "...", "action": "start"|"send"|"signal"|"close", ...}
      -> {"t": "terminal", ...}: a persistent interactive bash per session id; see _terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import codecs
import json
import os
import re
import signal
import stat
import sys
from typing import Any

CHUNK = 65536
FILE_CHUNK = 256 * 1024
KILL_GRACE = 2.0


async def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message).encode() + b"\n")
    await writer.drain()


def _signal_group(proc: asyncio.subprocess.Process, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


async def _pump(
    stream: asyncio.StreamReader | None, name: str, writer: asyncio.StreamWriter
) -> None:
    assert stream is not None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        data = await stream.read(CHUNK)
        text = decoder.decode(data, final=not data)
        if text:
            await _send(writer, {"t": "out", "stream": name, "data": text})
        if not data:
            return


async def _watch_control(reader: asyncio.StreamReader, proc: asyncio.subprocess.Process) -> None:
    """Apply {"signal": N} lines; a closed connection kills the command's process group."""
    while True:
        line = await reader.readline()
        if not line:
            _signal_group(proc, signal.SIGKILL)
            return
        try:
            signum = int(json.loads(line).get("signal", 0))
        except (ValueError, AttributeError):
            continue
        if signum:
            _signal_group(proc, signum)


async def _exec(
    request: dict[str, Any], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    env = dict(os.environ)
    env.update(request.get("env") or {})
    cwd = request.get("cwd") or None
    if cwd and not os.path.isdir(cwd):
        await _send(writer, {"t": "error", "detail": f"working directory {cwd!r} does not exist"})
        return
    proc = await asyncio.create_subprocess_exec(
        "/bin/bash",
        "-c",
        request["command"],
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    await _send(writer, {"t": "started", "pid": proc.pid})
    control = asyncio.ensure_future(_watch_control(reader, proc))
    pumps = asyncio.gather(
        _pump(proc.stdout, "stdout", writer), _pump(proc.stderr, "stderr", writer)
    )
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(pumps), request.get("timeout"))
    except TimeoutError:
        timed_out = True
        _signal_group(proc, signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(pumps), KILL_GRACE)
        except TimeoutError:
            _signal_group(proc, signal.SIGKILL)
        await pumps
    code = await proc.wait()
    control.cancel()
    await _send(writer, {"t": "exit", "code": -1 if timed_out else code, "timed_out": timed_out})


async def _read_file(request: dict[str, Any], writer: asyncio.StreamWriter) -> None:
    path = request["path"]
    try:
        handle = open(path, "rb")  # noqa: ASYNC230 - local disk, short blocking reads
    except OSError as exc:
        await _send(writer, {"t": "missing", "reason": exc.strerror or str(exc)})
        return
    with handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            await _send(writer, {"t": "missing", "reason": "Not a regular file"})
            return
        await _send(writer, {"t": "file", "size": info.st_size})
        while True:
            data = handle.read(FILE_CHUNK)
            if not data:
                break
            await _send(writer, {"t": "data", "b64": base64.b64encode(data).decode("ascii")})
    await _send(writer, {"t": "eof"})


async def _write_file(
    request: dict[str, Any], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    path = request["path"]
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    # Written beside the target and renamed: an upload cut short leaves no half file.
    partial = os.path.join(os.path.dirname(path) or "/", f".upload-{os.getpid()}-{id(writer)}")
    size = 0
    try:
        with open(partial, "wb") as handle:  # noqa: ASYNC230 - local disk, short writes
            while True:
                line = await reader.readline()
                if not line:
                    raise ConnectionError("upload ended early")
                message = json.loads(line)
                if message.get("end"):
                    break
                data = base64.b64decode(message["b64"])
                handle.write(data)
                size += len(data)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    await _send(writer, {"t": "written", "size": size})


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        line = await reader.readline()
        request = json.loads(line)
        op = request.get("op")
        if op == "ping":
            await _send(writer, {"t": "pong", "pid": os.getpid()})
        elif op == "exec":
            await _exec(request, reader, writer)
        elif op == "read_file":
            await _read_file(request, writer)
        elif op == "write_file":
            await _write_file(request, reader, writer)
        elif op == "terminal":
            await _send(writer, await _terminal(request))
        else:
            await _send(writer, {"t": "error", "detail": f"unknown op {op!r}"})
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except Exception as exc:  # the shim must survive any one bad request
        try:
            await _send(writer, {"t": "error", "detail": f"{type(exc).__name__}: {exc}"})
        except ConnectionError:
            pass
    finally:
        writer.close()


# ----- persistent terminal sessions -----
#
# Each session is one interactive bash reading commands from a pipe, stdout and stderr merged.
# Its prompt (PS1) is a marker line carrying the last exit code, the user, the host, the
# working directory and the python path, so the end of a command is the next marker.

MARK = "\x1eOHLPS1\x1f"
PS1 = (
    "\\n"
    + MARK
    + "$?\x1f\\u\x1f\\h\x1f$PWD\x1f"
    + "$(command -v python 2>/dev/null || command -v python3 2>/dev/null)\x1e\\n"
)
PROMPT_RE = re.compile(
    "\r?\n?" + MARK + "(-?\\d+)\x1f([^\x1f]*)\x1f([^\x1f]*)\x1f([^\x1f]*)\x1f([^\x1e]*)\x1e\r?\n"
)
SESSIONS: dict[str, TerminalSession] = {}


class TerminalSession:
    """One bash process and the output it produced since the last read."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.buffer = ""
        self.changed = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            data = await self.proc.stdout.read(CHUNK)
            self.buffer += decoder.decode(data, final=not data)
            self.changed.set()
            if not data:
                return

    def alive(self) -> bool:
        return self.proc.returncode is None and not self.reader.done()

    async def wait(self, no_change: float | None, hard: float | None) -> dict[str, Any]:
        """Wait for the next prompt, for `no_change` seconds without output, or `hard` seconds;
        return the output taken from the buffer and, at a prompt, what the prompt reports."""
        loop = asyncio.get_running_loop()
        deadline = None if hard is None else loop.time() + hard
        while True:
            found = PROMPT_RE.search(self.buffer)
            if found:
                output, self.buffer = self.buffer[: found.start()], self.buffer[found.end() :]
                return _prompt_reply(output, found)
            if self.reader.done():
                output, self.buffer = self.buffer, ""
                code = await self.proc.wait()
                return {"t": "terminal", "output": output, "state": "exited", "exit_code": code}
            limit = no_change
            if deadline is not None:
                left = deadline - loop.time()
                limit = left if limit is None else min(limit, left)
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), limit)
            except asyncio.TimeoutError:  # noqa: UP041 - distinct from TimeoutError before 3.11
                output, self.buffer = self.buffer, ""
                hit_hard = deadline is not None and loop.time() >= deadline - 0.01
                return {"t": "terminal", "output": output, "state": "hard" if hit_hard else "idle"}

    def close(self) -> None:
        _signal_group(self.proc, signal.SIGKILL)
        self.reader.cancel()


def _prompt_reply(output: str, found: re.Match[str]) -> dict[str, Any]:
    code, user, host, cwd, python = found.groups()
    return {
        "t": "terminal",
        "output": output,
        "state": "done",
        "exit_code": int(code),
        "username": user,
        "hostname": host,
        "working_dir": cwd,
        "py_interpreter_path": python or None,
    }


async def _terminal_start(request: dict[str, Any]) -> TerminalSession:
    env = dict(os.environ)
    env.update(request.get("env") or {})
    env.update({"PS1": PS1, "PS2": "", "HISTFILE": "/dev/null", "TERM": "dumb"})
    env.pop("PROMPT_COMMAND", None)
    cwd = request.get("cwd") or None
    proc = await asyncio.create_subprocess_exec(
        "/bin/bash",
        "--noprofile",
        "--norc",
        "--noediting",
        "+H",
        "-i",
        cwd=cwd if cwd and os.path.isdir(cwd) else None,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    session = TerminalSession(proc)
    await session.wait(None, 10.0)  # start-up notices, up to the first prompt
    return session


async def _terminal(request: dict[str, Any]) -> dict[str, Any]:
    """Run one terminal action: start (replacing any session of that id), send text to
    bash's stdin, signal the session's process group, or close it. `send` and `signal` wait
    as `_TerminalSession.wait` describes."""
    session_id = str(request["session"])
    action = request.get("action")
    session = SESSIONS.get(session_id)
    if action in ("start", "close") and session is not None:
        session.close()
        SESSIONS.pop(session_id, None)
    if action == "close":
        return {"t": "terminal", "state": "closed"}
    if action == "start":
        SESSIONS[session_id] = await _terminal_start(request)
        return {"t": "terminal", "state": "started", "pid": SESSIONS[session_id].proc.pid}
    if session is None or not session.alive():
        return {"t": "terminal", "state": "missing"}
    if action == "send":
        assert session.proc.stdin is not None
        session.proc.stdin.write(str(request.get("text", "")).encode())
        await session.proc.stdin.drain()
    elif action == "signal":
        _signal_group(session.proc, int(request["signum"]))
    elif action != "read":
        return {"t": "error", "detail": f"unknown terminal action {action!r}"}
    return await session.wait(request.get("no_change"), request.get("hard"))


async def _serve(socket_path: str, service_command: str | None, workdir: str | None) -> None:
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = await asyncio.start_unix_server(_handle, path=socket_path, limit=2**24)
    os.chmod(socket_path, 0o600)
    service = None
    if service_command:
        service = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", service_command, cwd=workdir, start_new_session=True
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
    if service is not None and service.returncode is None:
        _signal_group(service, signal.SIGTERM)


def _daemonize(pid_file: str) -> None:
    """Fork away from the caller into a session of our own. The parent writes the child's pid
    before it exits, so the pid file exists once the caller sees the exit."""
    pid = os.fork()
    if pid > 0:
        tmp = pid_file + ".tmp"
        with open(tmp, "w") as handle:
            handle.write(str(pid))
        os.replace(tmp, pid_file)
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def main() -> None:
    parser = argparse.ArgumentParser(description="ohlocal in-sandbox helper")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--service-command", default=None)
    parser.add_argument(
        "--daemon-pid-file",
        default=None,
        help="detach from the caller and write the helper's pid here",
    )
    args = parser.parse_args()
    if args.daemon_pid_file:
        _daemonize(args.daemon_pid_file)
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        os.chdir(args.workdir)
    asyncio.run(_serve(args.socket, args.service_command, args.workdir))
    sys.exit(0)


if __name__ == "__main__":
    main()

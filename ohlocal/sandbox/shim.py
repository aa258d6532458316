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
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import codecs
import json
import os
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
    size = 0
    with open(path, "wb") as handle:  # noqa: ASYNC230 - local disk, short blocking writes
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

"""Bash commands run in a sandbox through its helper, recorded as bash events per sandbox."""

from __future__ import annotations

import logging
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio

from ohlocal.errors import BackendError, BashCommandNotFound, BashEventNotFound, InvalidInput
from ohlocal.ids import parse_uuid
from ohlocal.models.bash import (
    BashCommand,
    BashEvent,
    BashEventPage,
    BashEventQuery,
    BashOutput,
    ExecuteBashRequest,
)

if TYPE_CHECKING:
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from ohlocal.containers.shim_client import ShimConnection
    from ohlocal.services.conversation_scope import ConversationScope
    from ohlocal.services.sandbox_service import SandboxRuntime, SandboxService
    from ohlocal.store.bash_event_store import BashEventStore

logger = logging.getLogger(__name__)

# NOTE: the exit code and note of a command that a server crash cut off (killed with it).
CRASH_EXIT_CODE = -9
BASH_RECOVERED = (
    "ohlocal restarted while this command was running; the command was killed with it and "
    "its further output is lost."
)

# NOTE: the reference splits a command's output into BashOutput events of about 1 MiB per
# stream (recordings/bash_endpoints.json, notes).
CHUNK_LIMIT = 1024 * 1024
# Pending output is also flushed after this many seconds, so that a long command's output
# appears while it runs; the reference holds it until the command ends.
FLUSH_INTERVAL = 2.0
# After a stop (SIGTERM), how long the command may take before it gets SIGKILL.
STOP_GRACE = 2.0
STOPPED_EXIT_CODE = -signal.SIGTERM.value
MAX_BATCH = 100
SUBSCRIBER_BUFFER = 1000

Spawn = Callable[..., object]


def _store_key(sandbox_id: str, scope: ConversationScope | None) -> str:
    """The bash event store partition: the sandbox's, or one conversation's (scoped routes)."""
    return sandbox_id if scope is None else scope.bash_store_key


class _Running:
    """A command in flight: its helper connection, for stop signals."""

    def __init__(self, store_key: str) -> None:
        self.store_key = store_key
        self.conn: ShimConnection | None = None
        self.stopped = False


class _Collector:
    """Turns helper output messages into ordered BashOutput events."""

    def __init__(self, command_id: str, now: Callable[[], datetime]) -> None:
        self._command_id = command_id
        self._now = now
        self._out: list[str] = []
        self._err: list[str] = []
        self._size = 0
        self.order = 0

    @property
    def pending(self) -> bool:
        return bool(self._out or self._err)

    @property
    def full(self) -> bool:
        return self._size >= CHUNK_LIMIT

    def add(self, stream: str, data: str) -> None:
        (self._out if stream == "stdout" else self._err).append(data)
        self._size += len(data)

    def flush(self, exit_code: int | None) -> BashOutput:
        event = BashOutput(
            id=uuid.uuid4().hex,
            timestamp=self._now(),
            command_id=self._command_id,
            order=self.order,
            exit_code=exit_code,
            stdout="".join(self._out) or None,
            stderr="".join(self._err) or None,
        )
        self._out, self._err, self._size = [], [], 0
        self.order += 1
        return event


class BashService:
    def __init__(self, store: BashEventStore, sandboxes: SandboxService, spawn: Spawn) -> None:
        self._store = store
        self._sandboxes = sandboxes
        self._spawn = spawn
        self._running: dict[str, _Running] = {}
        self._subscribers: dict[str, set[MemoryObjectSendStream[BashEvent]]] = {}
        self._last_stamp = datetime.min.replace(tzinfo=UTC)

    def _now(self) -> datetime:
        """UTC now, strictly increasing, so that events sort in the order they were made."""
        stamp = datetime.now(UTC)
        if stamp <= self._last_stamp:
            stamp = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = stamp
        return stamp

    # ----- running commands -----

    async def start_bash_command(
        self,
        sandbox_id: str,
        request: ExecuteBashRequest,
        scope: ConversationScope | None = None,
    ) -> BashCommand:
        """Record the command and run it in the background."""
        runtime = await self._sandboxes.runtime(sandbox_id)
        key = _store_key(sandbox_id, scope)
        command = await self._new_command(key, scope.bash_request(request) if scope else request)
        running = self._running[command.id] = _Running(key)
        self._spawn(lambda: self._run_quietly(runtime, command, running))
        return command

    async def execute_bash_command(
        self,
        sandbox_id: str,
        request: ExecuteBashRequest,
        scope: ConversationScope | None = None,
    ) -> BashOutput:
        """Run the command to its end and return its output joined in one BashOutput."""
        runtime = await self._sandboxes.runtime(sandbox_id)
        key = _store_key(sandbox_id, scope)
        command = await self._new_command(key, scope.bash_request(request) if scope else request)
        running = self._running[command.id] = _Running(key)
        outputs = await self._run(runtime, command, running)
        last = outputs[-1]
        return BashOutput(
            id=last.id,
            timestamp=last.timestamp,
            command_id=command.id,
            order=0,
            exit_code=last.exit_code,
            stdout="".join(o.stdout or "" for o in outputs) or None,
            stderr="".join(o.stderr or "" for o in outputs) or None,
        )

    async def _new_command(self, store_key: str, request: ExecuteBashRequest) -> BashCommand:
        if request.timeout < 0:
            raise InvalidInput(
                ("body", "timeout"),
                "Input should be greater than or equal to 0",
                "greater_than_equal",
                request.timeout,
            )
        command = BashCommand(
            command=request.command,
            cwd=request.cwd,
            timeout=request.timeout,
            id=uuid.uuid4().hex,
            timestamp=self._now(),
        )
        await self._record(store_key, command)
        return command

    async def _run_quietly(
        self, runtime: SandboxRuntime, command: BashCommand, running: _Running
    ) -> None:
        try:
            await self._run(runtime, command, running)
        except BackendError as exc:
            logger.warning("bash command failed command_id=%s error=%s", command.id, exc.message)

    async def _run(
        self, runtime: SandboxRuntime, command: BashCommand, running: _Running
    ) -> list[BashOutput]:
        store_key = running.store_key
        collector = _Collector(command.id, self._now)
        outputs: list[BashOutput] = []
        try:
            async with runtime.shim.connect() as conn:
                await conn.send(
                    {
                        "op": "exec",
                        "command": command.command,
                        "cwd": command.cwd or runtime.working_dir,
                        "env": {},
                        "timeout": command.timeout or None,
                    }
                )
                exit_code = await self._pump(conn, running, collector, outputs)
        except BackendError as exc:
            if "working directory" not in exc.message:
                raise
            # NOTE: a missing cwd fails like `cd` in bash would: exit code 1 and a message.
            collector.add("stderr", f"bash: cd: {command.cwd}: No such file or directory\n")
            exit_code = 1
        finally:
            self._running.pop(command.id, None)
        final = collector.flush(STOPPED_EXIT_CODE if running.stopped else exit_code)
        await self._record(store_key, final)
        outputs.append(final)
        logger.debug("bash command ended command_id=%s exit_code=%s", command.id, final.exit_code)
        return outputs

    async def _pump(
        self,
        conn: ShimConnection,
        running: _Running,
        collector: _Collector,
        outputs: list[BashOutput],
    ) -> int:
        """Read helper messages until the exit; record output chunks on the way."""
        await conn.receive()  # "started"
        running.conn = conn
        if running.stopped:
            await conn.send({"signal": signal.SIGTERM.value})
        flush_at = anyio.current_time() + FLUSH_INTERVAL
        while True:
            message: dict[str, Any] | None = None
            with anyio.move_on_after(
                flush_at - anyio.current_time() if collector.pending else None
            ):
                message = await conn.receive()
            if message is not None and message["t"] == "exit":
                return int(message["code"])
            if message is not None and message["t"] == "out":
                if not collector.pending:
                    flush_at = anyio.current_time() + FLUSH_INTERVAL
                collector.add(message["stream"], message["data"])
            if collector.full or (message is None and collector.pending):
                event = collector.flush(None)
                await self._record(running.store_key, event)
                outputs.append(event)
                flush_at = anyio.current_time() + FLUSH_INTERVAL

    async def stop_bash_command(
        self, sandbox_id: str, command_id: str, scope: ConversationScope | None = None
    ) -> None:
        """Send SIGTERM to a running command (SIGKILL after a grace); a finished one is fine."""
        key = _store_key(sandbox_id, scope)
        parsed = parse_uuid(command_id)
        if parsed is None:
            raise InvalidInput(
                ("path", "command_id"), "Input should be a valid UUID", "uuid_parsing", command_id
            )
        running = self._running.get(parsed.hex)
        if running is None or running.store_key != key:
            if await self._store.command_exists(key, parsed.hex):
                return
            raise BashCommandNotFound(command_id)
        running.stopped = True
        if running.conn is not None:
            await running.conn.send({"signal": signal.SIGTERM.value})
            self._spawn(lambda: self._kill_later(parsed.hex, running))
        logger.info("bash command stopped command_id=%s", parsed.hex)

    async def _kill_later(self, command_id: str, running: _Running) -> None:
        await anyio.sleep(STOP_GRACE)
        if self._running.get(command_id) is running and running.conn is not None:
            try:
                await running.conn.send({"signal": signal.SIGKILL.value})
            except (BackendError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass

    async def recover(self) -> None:
        """At start-up: close the commands a crash cut off with a final BashOutput, so that a
        client polling for their exit code gets one. The in-sandbox helper kills a command when
        its connection to the server drops, so each of them ended with that crash."""
        for store_key, command_id, order in await self._store.unfinished_commands():
            event = BashOutput(
                id=uuid.uuid4().hex,
                timestamp=self._now(),
                command_id=command_id,
                order=order,
                exit_code=CRASH_EXIT_CODE,
                stderr=BASH_RECOVERED,
            )
            await self._record(store_key, event)
            logger.warning("bash command closed after a restart command_id=%s", command_id)

    # ----- events -----

    async def _record(self, store_key: str, event: BashEvent) -> None:
        await self._store.insert(store_key, event)
        for subscriber in list(self._subscribers.get(store_key, ())):
            try:
                subscriber.send_nowait(event)
            except anyio.WouldBlock:
                logger.warning("bash event subscriber too slow, dropped store=%s", store_key)
                subscriber.close()
                self._subscribers[store_key].discard(subscriber)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self._subscribers[store_key].discard(subscriber)

    @asynccontextmanager
    async def subscribe(
        self, sandbox_id: str
    ) -> AsyncIterator[MemoryObjectReceiveStream[BashEvent]]:
        """Bash events of the sandbox from now on, as they are recorded."""
        send, receive = anyio.create_memory_object_stream[BashEvent](SUBSCRIBER_BUFFER)
        self._subscribers.setdefault(sandbox_id, set()).add(send)
        try:
            yield receive
        finally:
            self._subscribers.get(sandbox_id, set()).discard(send)
            send.close()
            receive.close()

    async def search_bash_events(
        self,
        sandbox_id: str,
        query: BashEventQuery,
        limit: int,
        scope: ConversationScope | None = None,
    ) -> BashEventPage:
        await self._sandboxes.get_record(sandbox_id)
        found = await self._store.search(_store_key(sandbox_id, scope), query, limit + 1)
        items = [event for _, event in found[:limit]]
        next_page_id = found[limit][0] if len(found) > limit else None
        return BashEventPage(items=items, next_page_id=next_page_id)

    async def get_bash_event(
        self, sandbox_id: str, event_id: str, scope: ConversationScope | None = None
    ) -> BashEvent:
        event = await self._store.get(_store_key(sandbox_id, scope), _hex_or_raw(event_id))
        if event is None:
            raise BashEventNotFound(event_id)
        return event

    async def batch_get_bash_events(
        self, sandbox_id: str, event_ids: list[str], scope: ConversationScope | None = None
    ) -> list[BashEvent | None]:
        if len(event_ids) > MAX_BATCH:
            raise InvalidInput(
                ("body",), f"List should have at most {MAX_BATCH} items", "too_long", None
            )
        keys = [_hex_or_raw(i) for i in event_ids]
        found = await self._store.batch_get(_store_key(sandbox_id, scope), keys)
        return [found.get(key) for key in keys]

    async def clear_bash_events(
        self, sandbox_id: str, scope: ConversationScope | None = None
    ) -> int:
        await self._sandboxes.get_record(sandbox_id)
        key = _store_key(sandbox_id, scope)
        count = await self._store.clear(key)
        logger.info("bash events cleared store=%s count=%s", key, count)
        return count


def _hex_or_raw(value: str) -> str:
    """Event ids are stored as hex; accept the dashed form too."""
    parsed = parse_uuid(value)
    return parsed.hex if parsed is not None else value

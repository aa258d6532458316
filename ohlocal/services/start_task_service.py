"""Start tasks: create an app conversation step by step in the background (sandbox, repository,
setup script, git hooks, skills, agent-server conversation), persisted and watchable."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ohlocal.errors import AppError, BadRequest, StartTaskFailed
from ohlocal.models.app_conversation import (
    FINAL_TASK_STATUSES,
    MASKED_SECRET,
    AppConversationStartRequest,
    AppConversationStartTask,
    AppConversationStartTaskPage,
    AppConversationStartTaskSortOrder,
)
from ohlocal.models.app_conversation import AppConversationStartTaskStatus as Status
from ohlocal.models.base import to_zone
from ohlocal.models.sandbox import SandboxStatus
from ohlocal.services.paging import next_page_id, page_offset

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from anyio.streams.memory import MemoryObjectSendStream

    from ohlocal.models.sandbox import SandboxRecord
    from ohlocal.services.app_conversation_builder import AppConversationBuilder
    from ohlocal.services.pending_message_service import PendingMessageService
    from ohlocal.services.sandbox_service import SandboxService
    from ohlocal.store.start_task_store import StartTaskStore

logger = logging.getLogger(__name__)

MAX_BATCH = 100
# How long a start task waits for its sandbox to reach RUNNING, and how often it looks.
SANDBOX_WAIT = 300.0
SANDBOX_POLL = 0.02
RESTART_DETAIL = "ohlocal restarted while this task was {status}; start the conversation again"

_encoder = msgspec.json.Encoder()


def stored_time(moment: datetime | None = None) -> str:
    """The start-task time form: UTC without a zone, as the reference reads it back."""
    moment = to_zone(moment or datetime.now(UTC), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def zoned(task: AppConversationStartTask) -> AppConversationStartTask:
    """The task as POST and stream-start answer it: timestamps with `Z`."""
    return msgspec.structs.replace(
        task, created_at=task.created_at + "Z", updated_at=task.updated_at + "Z"
    )


def _masked(request: AppConversationStartRequest) -> AppConversationStartRequest:
    if not request.secrets:
        return request
    return msgspec.structs.replace(request, secrets=dict.fromkeys(request.secrets, MASKED_SECRET))


class StartTaskService:
    def __init__(
        self,
        store: StartTaskStore,
        sandboxes: SandboxService,
        builder: AppConversationBuilder,
        pending: PendingMessageService,
        spawn: Callable[..., object],
    ) -> None:
        self._store = store
        self._sandboxes = sandboxes
        self._builder = builder
        self._pending = pending
        self._spawn = spawn
        self._watchers: dict[str, set[MemoryObjectSendStream[AppConversationStartTask]]] = {}

    # ----- starting -----

    async def _create(self, request: AppConversationStartRequest) -> AppConversationStartTask:
        now = stored_time()
        task = AppConversationStartTask(
            id=uuid.uuid4().hex, request=_masked(request), created_at=now, updated_at=now
        )
        await self._store.put(task)
        return task

    async def start_app_conversation(
        self, request: AppConversationStartRequest
    ) -> AppConversationStartTask:
        """The new task, at once; its steps run in the background."""
        task = await self._create(request)
        self._spawn(self._walk, task, request)
        return zoned(task)

    async def stream_app_conversation_start(
        self, request: AppConversationStartRequest
    ) -> AsyncIterator[bytes]:
        """The task at each status as one JSON array written piece by piece (CLIENTS.md 2.4)."""
        task = await self._create(request)
        send, receive = anyio.create_memory_object_stream[AppConversationStartTask](math.inf)
        self._watchers.setdefault(task.id, set()).add(send)
        self._spawn(self._walk, task, request)
        try:
            yield b"[\n" + _encoder.encode(zoned(task))
            async for update in receive:
                yield b",\n" + _encoder.encode(zoned(update))
                if update.status in FINAL_TASK_STATUSES:
                    break
            yield b"]"
        finally:
            self._watchers.get(task.id, set()).discard(send)
            send.close()
            receive.close()

    async def _set(
        self, task: AppConversationStartTask, status: Status, publish: bool = True, **changes: Any
    ) -> None:
        task.status = status
        for name, value in changes.items():
            setattr(task, name, value)
        task.updated_at = stored_time()
        await self._store.put(task)
        if publish:
            snapshot = msgspec.structs.replace(task)
            for stream in list(self._watchers.get(task.id, ())):
                stream.send_nowait(snapshot)

    async def _walk(
        self, task: AppConversationStartTask, request: AppConversationStartRequest
    ) -> None:
        try:
            await self._run_steps(task, request)
        except AppError as exc:
            logger.error("start task failed task_id=%s error=%s", task.id, exc.message)
            await self._set(task, Status.ERROR, detail=exc.message)
        except Exception as exc:  # a task boundary: the task must end, never hang
            logger.exception("start task failed task_id=%s", task.id)
            await self._set(task, Status.ERROR, detail=f"internal error: {exc!r}")
        finally:
            self._watchers.pop(task.id, None)

    async def _run_steps(
        self, task: AppConversationStartTask, request: AppConversationStartRequest
    ) -> None:
        record = await self._wait_for_sandbox(task, request)
        runtime = await self._sandboxes.runtime(record.id)
        builder = self._builder

        await self._set(task, Status.PREPARING_REPOSITORY)
        project = await builder.prepare_repository(request, runtime)
        await self._set(task, Status.RUNNING_SETUP_SCRIPT)
        await builder.run_setup_script(runtime, project)
        await self._set(task, Status.SETTING_UP_GIT_HOOKS)
        await builder.install_git_hooks(project)
        await self._set(task, Status.SETTING_UP_SKILLS)
        skills = await builder.load_skills(project)

        url = self._sandboxes.agent_server_url(record.id)
        await self._set(task, Status.STARTING_CONVERSATION, agent_server_url=url)
        cid = await builder.start_conversation(request, runtime, project, skills)
        # Queued messages go in before READY is seen; any queued meanwhile right after it.
        await self._pending.deliver([task.id, cid.hex], cid)
        await self._set(task, Status.READY, app_conversation_id=cid.hex)
        await self._pending.deliver([task.id, cid.hex], cid)
        logger.info("app conversation ready conversation_id=%s task_id=%s", cid.hex, task.id)

    async def _wait_for_sandbox(
        self, task: AppConversationStartTask, request: AppConversationStartRequest
    ) -> SandboxRecord:
        """Reuse (resuming it if needed) the requested sandbox, or start one from the
        default spec; wait until it runs."""
        existing = await self._builder.existing_sandbox(request)
        await self._set(task, Status.WAITING_FOR_SANDBOX, sandbox_id=existing)
        if existing is not None:
            record = await self._sandboxes.get_record(existing)
            if record.status is not SandboxStatus.RUNNING:
                await self._sandboxes.resume_sandbox(existing)
            sandbox_id = existing
        else:
            sandbox_id = (await self._sandboxes.start_sandbox(None)).id
            await self._set(task, Status.WAITING_FOR_SANDBOX, publish=False, sandbox_id=sandbox_id)
        try:
            with anyio.fail_after(SANDBOX_WAIT):
                while True:
                    record = await self._sandboxes.get_record(sandbox_id)
                    if record.status is SandboxStatus.RUNNING:
                        return record
                    if record.status in (SandboxStatus.ERROR, SandboxStatus.MISSING):
                        reason = record.detail or record.status.value
                        raise StartTaskFailed(f"sandbox '{sandbox_id}' did not start: {reason}")
                    await anyio.sleep(SANDBOX_POLL)
        except TimeoutError:
            raise StartTaskFailed(f"sandbox '{sandbox_id}' did not start in time") from None

    # ----- reading -----

    async def search_start_tasks(
        self,
        conversation_id: str | None,
        created_at_gte: datetime | None,
        sort_order: AppConversationStartTaskSortOrder,
        page_id: str | None,
        limit: int,
    ) -> AppConversationStartTaskPage:
        offset = page_offset(page_id)
        gte = stored_time(_as_utc(created_at_gte)) if created_at_gte else None
        tasks = await self._store.search(conversation_id, gte, sort_order.value, offset, limit + 1)
        items = tasks[:limit]
        has_more = len(tasks) > limit
        return AppConversationStartTaskPage(
            items=items, next_page_id=next_page_id(offset, limit, len(items), has_more)
        )

    async def count_start_tasks(
        self, conversation_id: str | None, created_at_gte: datetime | None
    ) -> int:
        gte = stored_time(_as_utc(created_at_gte)) if created_at_gte else None
        return await self._store.count(conversation_id, gte)

    async def batch_get_start_tasks(self, ids: list[str]) -> list[AppConversationStartTask | None]:
        if len(ids) > MAX_BATCH:
            raise BadRequest(f"Too many ids: {len(ids)}. Maximum is {MAX_BATCH}")
        found = await self._store.batch_get(ids)
        return [found.get(task_id) for task_id in ids]

    async def get_start_task(self, task_id: str) -> AppConversationStartTask | None:
        return (await self._store.batch_get([task_id])).get(task_id)

    # ----- recovery -----

    async def recover(self) -> None:
        """At start-up: finish tasks whose conversation exists, fail the others with a detail."""
        for task in await self._store.unfinished():
            if task.app_conversation_id and await self._builder.conversation_exists(
                task.app_conversation_id
            ):
                await self._set(task, Status.READY)
                continue
            detail = RESTART_DETAIL.format(status=task.status.value)
            await self._set(task, Status.ERROR, detail=detail)
            logger.warning("start task failed at start-up task_id=%s", task.id)


def _as_utc(moment: datetime | None) -> datetime | None:
    """Naive filter values are taken as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)

"""Webhook subscribers from the config file: one delivery loop each, woken by the event log,
and the outbox rows a conversation delete writes in its own transaction.

Events are never copied at append time: each (subscriber, conversation) has a cursor on the
log's sequence numbers, moved only after the receiver took a batch, so a crash re-sends at
most the batch in flight. Conversation info follows its trigger (creation, or an
`execution_status` update in the log); a delete copies what is still undelivered, plus the
final info, into the outbox before the rows go."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import httpx
import msgspec

from ohlocal.errors import ConversationNotFound
from ohlocal.models.conversation import ConversationExecutionStatus, utc_iso
from ohlocal.redact import redact_url
from ohlocal.services.conversation_service import conversation_info
from ohlocal.services.webhook_delivery import SubscriberWorker
from ohlocal.store.webhook_store import keep_for_delete

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    import aiosqlite

    from ohlocal.services.event_log import EventLog, LiveConversation
    from ohlocal.services.sandbox_service import SandboxService
    from ohlocal.settings import WebhookConfig
    from ohlocal.store.webhook_store import WebhookStore

logger = logging.getLogger(__name__)

# Seconds one delivery may take before it counts as failed.
DELIVERY_TIMEOUT = 10.0


# GAP: title and tag updates (PATCH) send no conversation info, though the reference notifies
# on update; they leave no mark in the event log to drive a cursor; an outbox row written in the
# update's transaction would close it (docs/compatibility.md, Webhooks).
class WebhookService:
    """Implements the event log's `DeleteObserver`; `run_forever` runs in the app's task group."""

    def __init__(
        self,
        configs: tuple[WebhookConfig, ...],
        store: WebhookStore,
        log: EventLog,
        sandboxes: SandboxService,
    ) -> None:
        self._store = store
        self._log = log
        self._sandboxes = sandboxes
        self._locks: dict[tuple[str, str], anyio.Lock] = {}
        self.workers = [
            SubscriberWorker(c, store, self._info, sandboxes.key_of, self._lock) for c in configs
        ]
        if self.workers:
            log.watch(self._changed)
            log.delete_observer = self

    def _lock(self, subscriber: str, conversation_id: str) -> anyio.Lock:
        return self._locks.setdefault((subscriber, conversation_id), anyio.Lock())

    def _changed(self, conversation_id: str) -> None:
        for worker in self.workers:
            worker.wake()

    async def _info(self, conversation_id: str, status: str | None) -> bytes | None:
        """The conversation's current `ConversationInfo`, with `execution_status` set to the
        status change it reports when there is one; None once the conversation is gone."""
        try:
            live = await self._log.live(conversation_id)
        except ConversationNotFound:
            return None
        info = conversation_info(live)
        if status is not None:
            info = msgspec.structs.replace(
                info, execution_status=ConversationExecutionStatus(status)
            )
        return msgspec.json.encode(info)

    async def run_forever(self) -> None:
        """Register the subscribers, then deliver until cancelled."""
        if not self.workers:
            return
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT) as client:
            async with anyio.create_task_group() as tg:
                for worker in self.workers:
                    if await self._store.register(worker.subscriber, utc_iso()):
                        logger.info(
                            "webhook subscriber added subscriber=%s",
                            redact_url(worker.subscriber),
                        )
                    tg.start_soon(worker.run_forever, client)

    @asynccontextmanager
    async def deleting(
        self, live: LiveConversation
    ) -> AsyncIterator[Callable[[aiosqlite.Connection], Awaitable[None]]]:
        """Hold every subscriber's lock on the conversation (no delivery of it is in flight)
        and yield the writer of its outbox rows for the delete transaction."""
        conversation_id = live.record.id
        info = msgspec.json.encode(
            msgspec.structs.replace(
                conversation_info(live), execution_status=ConversationExecutionStatus.DELETING
            )
        )
        key = self._sandboxes.key_of(live.record.sandbox_id)

        async def write(conn: aiosqlite.Connection) -> None:
            now = utc_iso()
            for worker in self.workers:
                size = worker.config.event_buffer_size
                await keep_for_delete(
                    conn, worker.subscriber, conversation_id, info, key, size, now
                )

        async with AsyncExitStack() as stack:
            for worker in sorted(self.workers, key=lambda w: w.subscriber):
                await stack.enter_async_context(self._lock(worker.subscriber, conversation_id))
            yield write
        for worker in self.workers:
            self._locks.pop((worker.subscriber, conversation_id), None)

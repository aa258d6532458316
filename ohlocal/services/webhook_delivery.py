"""One webhook subscriber's delivery loop: outbox rows first, then each conversation's info and
event batches from its cursor on the event log, retried with backoff and never dropped."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import anyio
import httpx
import msgspec

from ohlocal.redact import redact_headers, redact_url
from ohlocal.store.webhook_store import LoggedEvent, WebhookWork, json_array

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ohlocal.settings import WebhookConfig
    from ohlocal.store.webhook_store import WebhookStore

logger = logging.getLogger(__name__)

# Seconds between scans when nothing wakes the loop (new events wake it at once).
IDLE_POLL = 10.0
# After `num_retries` quick retries, retries back off up to this many seconds, forever.
MAX_RETRY_INTERVAL = 60.0
MIN_RETRY_INTERVAL = 0.1
OUTBOX_PAGE = 100
_STATUS_KEY = b"execution_status"
_CSUE = "ConversationStateUpdateEvent"


class DeliveryFailed(Exception):
    """The receiver did not take a delivery (connection error, timeout or non-2xx)."""


class _StateUpdate(msgspec.Struct):
    key: str | None = None
    value: object = None


_update_decoder = msgspec.json.Decoder(_StateUpdate)


def status_of(event: LoggedEvent) -> str | None:
    """The new status when `event` is an `execution_status` update (the conversation ran,
    paused, finished or failed); None for any other event."""
    if event.kind != _CSUE or _STATUS_KEY not in event.json:
        return None
    update = _update_decoder.decode(event.json)
    if update.key != "execution_status" or not isinstance(update.value, str):
        return None
    return update.value


def retry_delay(config: WebhookConfig, failures: int) -> float:
    """`retry_delay` for the first `num_retries` failures, then doubling up to a cap."""
    if failures <= config.num_retries:
        return config.retry_delay
    base = max(config.retry_delay, MIN_RETRY_INTERVAL)
    return float(min(base * 2 ** (failures - config.num_retries), MAX_RETRY_INTERVAL))


class SubscriberWorker:
    """Delivers to one subscriber, in order per conversation, at least once."""

    def __init__(
        self,
        config: WebhookConfig,
        store: WebhookStore,
        info: Callable[[str, str | None], Awaitable[bytes | None]],
        session_key: Callable[[str], str | None],
        lock: Callable[[str, str], anyio.Lock],
    ) -> None:
        self.config = config
        self.subscriber = config.subscriber
        self._store = store
        self._info = info
        self._session_key = session_key
        self._lock = lock
        self._wake = anyio.Event()
        self._pending_since: dict[str, float] = {}
        self._failures = 0

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self, client: httpx.AsyncClient) -> None:
        while True:
            self._wake = anyio.Event()
            try:
                delay = await self.pump(client)
            except Exception:  # a task boundary: one bad conversation must not stop the server
                logger.exception(
                    "webhook delivery error, retrying subscriber=%s", redact_url(self.subscriber)
                )
                self._failures += 1
                delay = retry_delay(self.config, self._failures)
            if self._failures:
                # NOTE: while the receiver fails, new events must not cut the backoff short.
                await anyio.sleep(delay)
                continue
            with anyio.move_on_after(delay):
                await self._wake.wait()

    async def pump(self, client: httpx.AsyncClient) -> float:
        """Deliver what is due; the seconds until something else falls due."""
        try:
            wait = await self._deliver_all(client)
        except DeliveryFailed as exc:
            self._failures += 1
            delay = retry_delay(self.config, self._failures)
            loud = self._failures in (1, self.config.num_retries + 1) or self._failures % 20 == 0
            logger.log(
                logging.WARNING if loud else logging.DEBUG,
                "webhook delivery failed, kept for retry subscriber=%s failures=%s "
                "retry_in=%.1fs reason=%s",
                redact_url(self.subscriber),
                self._failures,
                delay,
                exc,
            )
            return delay
        if self._failures:
            logger.info(
                "webhook delivery resumed subscriber=%s after_failures=%s",
                redact_url(self.subscriber),
                self._failures,
            )
            self._failures = 0
        return wait

    async def _deliver_all(self, client: httpx.AsyncClient) -> float:
        rows = await self._store.outbox(self.subscriber, OUTBOX_PAGE)
        for row in rows:
            await self._post(client, row.path, row.body, row.session_api_key)
            await self._store.drop_outbox(row.id)
        if len(rows) == OUTBOX_PAGE:
            return 0.0
        wait = IDLE_POLL
        for work in await self._store.work(self.subscriber):
            wait = min(wait, await self._deliver_conversation(client, work.conversation_id))
        return wait

    async def _deliver_conversation(self, client: httpx.AsyncClient, conversation_id: str) -> float:
        """Info, then event batches, of one conversation; the seconds until its partial
        batch is due (IDLE_POLL when nothing waits)."""
        async with self._lock(self.subscriber, conversation_id):
            # Read again under the lock: a delete may have moved everything to the outbox.
            found = await self._store.work(self.subscriber, conversation_id)
            if not found:
                return IDLE_POLL
            work = found[0]
            delivered = work.delivered_seq or 0
            if work.delivered_seq is None:
                await self._store.set_cursor(self.subscriber, conversation_id, 0, True)
            info_due = work.info_due or work.delivered_seq is None
            # The status whose change the due info reports (unknown after a restart: current).
            status: str | None = None
            while True:
                if info_due:
                    await self._send_info(client, work, status)
                    await self._store.set_cursor(self.subscriber, conversation_id, delivered, False)
                batch, due = await self._next_batch(conversation_id, delivered)
                if not batch:
                    return due
                await self._send_events(client, work, batch)
                delivered, status = batch[-1].seq, status_of(batch[-1])
                info_due = status is not None
                await self._store.set_cursor(self.subscriber, conversation_id, delivered, info_due)

    async def _next_batch(
        self, conversation_id: str, delivered: int
    ) -> tuple[list[LoggedEvent], float]:
        """The next batch to send now, or none and the seconds until a partial one is due.
        A batch ends at a status change, whose info follows it at once."""
        size = self.config.event_buffer_size
        events = await self._store.events_after(conversation_id, delivered, size)
        if not events:
            self._pending_since.pop(conversation_id, None)
            return [], IDLE_POLL
        cut = next((i for i, e in enumerate(events) if status_of(e) is not None), None)
        if cut is not None:
            return events[: cut + 1], 0.0
        if len(events) < size:
            now = time.monotonic()
            since = self._pending_since.setdefault(conversation_id, now)
            if now - since < self.config.flush_delay:
                return [], self.config.flush_delay - (now - since)
        self._pending_since.pop(conversation_id, None)
        return events, 0.0

    async def _send_info(
        self, client: httpx.AsyncClient, work: WebhookWork, status: str | None
    ) -> None:
        body = await self._info(work.conversation_id, status)
        if body is not None:
            await self._post(client, "conversations", body, self._session_key(work.sandbox_id))

    async def _send_events(
        self, client: httpx.AsyncClient, work: WebhookWork, batch: list[LoggedEvent]
    ) -> None:
        path = f"events/{work.conversation_id.replace('-', '')}"
        body = json_array([event.json for event in batch])
        await self._post(client, path, body, self._session_key(work.sandbox_id))

    async def _post(
        self, client: httpx.AsyncClient, path: str, body: bytes, session_api_key: str | None
    ) -> None:
        headers = {**self.config.headers, "Content-Type": "application/json"}
        if session_api_key:
            headers["X-Session-API-Key"] = session_api_key
        try:
            response = await client.post(f"{self.subscriber}/{path}", content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
        if not response.is_success:
            raise DeliveryFailed(f"status {response.status_code}")
        logger.debug(
            "webhook delivered subscriber=%s path=%s bytes=%s headers=%s",
            redact_url(self.subscriber),
            path,
            len(body),
            redact_headers(headers),
        )

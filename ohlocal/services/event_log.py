"""The event log of every conversation: append (commit, fold, publish), live subscriptions,
and the cached folded state. The one writer of events; the runner writes through it."""

from __future__ import annotations

import logging
import math
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import anyio

from ohlocal.errors import ConversationNotFound
from ohlocal.models.agent import redact_agent
from ohlocal.models.base import sortable_local
from ohlocal.models.content import text_of
from ohlocal.models.conversation import (
    ConversationExecutionStatus,
    ConversationRecord,
    ConversationState,
    JsonObject,
    SendMessageRequest,
    utc_iso,
)
from ohlocal.models.event_codec import decode_event, encode_event, to_builtins
from ohlocal.models.events import (
    ConversationStateUpdateEvent,
    Event,
    MessageEvent,
    StreamingDeltaEvent,
)
from ohlocal.models.message import Message
from ohlocal.services.conversation_state import (
    FULL_STATE_KEY,
    apply_event,
    initial_state,
    secret_registry,
)
from ohlocal.store.event_store import EventStore, StoredEvent

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from contextlib import AbstractAsyncContextManager

    import aiosqlite
    from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

    from ohlocal.store.conversation_store import ConversationStore

logger = logging.getLogger(__name__)

_CSUE = "ConversationStateUpdateEvent"
_TRANSIENT = (StreamingDeltaEvent,)


def sortable_timestamp(value: str) -> str:
    """`value` as server-local `YYYY-MM-DDTHH:MM:SS.ffffff`; zone-aware values are converted."""
    return sortable_local(datetime.fromisoformat(value))


def conversation_key(conversation_id: UUID | str) -> str:
    return str(conversation_id) if isinstance(conversation_id, UUID) else str(UUID(conversation_id))


@dataclass
class LiveConversation:
    """What the log keeps in memory for one loaded conversation."""

    record: ConversationRecord
    state: ConversationState
    secret_sources: dict[str, dict[str, Any]]
    tallies: Counter[tuple[str, str]] = field(default_factory=Counter)
    last_timestamp: str | None = None
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    subscribers: set[MemoryObjectSendStream[Event]] = field(default_factory=set)

    @property
    def conversation_uuid(self) -> UUID:
        return UUID(self.record.id)

    def publish(self, event: Event) -> None:
        for stream in list(self.subscribers):
            try:
                stream.send_nowait(event)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self.subscribers.discard(stream)


def _stored(conversation_id: str, event: Event) -> StoredEvent:
    body = None
    if isinstance(event, MessageEvent):
        body = text_of(event.llm_message.content).lower()
    return StoredEvent(
        conversation_id=conversation_id,
        id=event.id,
        kind=type(event).__name__,
        source=event.source,
        timestamp=sortable_timestamp(event.timestamp),
        body=body,
        full_json=encode_event(event, omit_none=False),
        compact_json=encode_event(event, omit_none=True),
    )


class DeleteObserver(Protocol):
    """Told about a conversation delete before it happens (the webhook outbox)."""

    def deleting(
        self, live: LiveConversation
    ) -> AbstractAsyncContextManager[Callable[[aiosqlite.Connection], Awaitable[None]]]:
        """Held around the delete; yields what to write in the delete's transaction."""
        ...


class EventLog:
    def __init__(self, events: EventStore, conversations: ConversationStore) -> None:
        self.events = events
        self.conversations = conversations
        self._live: dict[str, LiveConversation] = {}
        self._load_lock = anyio.Lock()
        # Called with a conversation id after each committed change; they must not block.
        self._watchers: list[Callable[[str], None]] = []
        self.delete_observer: DeleteObserver | None = None

    def watch(self, callback: Callable[[str], None]) -> None:
        """Call `callback(conversation_id)` after every create, append and delete."""
        self._watchers.append(callback)

    def _changed(self, conversation_id: str) -> None:
        for callback in self._watchers:
            callback(conversation_id)

    # ----- conversations -----

    async def create(
        self, record: ConversationRecord, secrets: dict[str, dict[str, Any]]
    ) -> ConversationState:
        """Store a new conversation (and its secret values) and cache its initial state."""
        await self.conversations.insert(record)
        if secrets:
            await self.conversations.put_secrets(record.id, secrets)
        live = LiveConversation(record, initial_state(record), dict(secrets))
        live.state.secret_registry = secret_registry(live.secret_sources)
        self._live[record.id] = live
        self._changed(record.id)
        return live.state

    async def live(self, conversation_id: UUID | str) -> LiveConversation:
        """The loaded conversation; loads and folds it on first use."""
        key = conversation_key(conversation_id)
        found = self._live.get(key)
        if found is not None:
            return found
        async with self._load_lock:
            if key not in self._live:
                self._live[key] = await self._load(key)
            return self._live[key]

    async def _load(self, key: str) -> LiveConversation:
        record = await self.conversations.get(key)
        if record is None:
            raise ConversationNotFound(key)
        live = LiveConversation(record, initial_state(record), {})
        for stored in await self.events.all_full(key, kind=_CSUE):
            apply_event(live.state, decode_event(stored.json))
        last = await self.events.last(key, exclude_kind=_CSUE)
        if last is not None:
            apply_event(live.state, decode_event(last.json))
        live.secret_sources = await self.conversations.secrets(key)
        live.state.secret_registry = secret_registry(live.secret_sources)
        for tally in await self.events.tallies(key):
            live.tallies[(tally.kind, tally.source)] = tally.count
        logger.debug("conversation loaded conversation_id=%s", key)
        return live

    async def exists(self, conversation_id: UUID | str) -> bool:
        try:
            await self.live(conversation_id)
        except ConversationNotFound:
            return False
        return True

    async def record(self, conversation_id: UUID | str) -> ConversationRecord:
        return (await self.live(conversation_id)).record

    async def set_title(self, conversation_id: UUID | str, title: str | None) -> None:
        await self.update(conversation_id, title=title, tags=None)

    async def update(
        self, conversation_id: UUID | str, *, title: str | None, tags: dict[str, str] | None
    ) -> None:
        """Set the title (None clears it) and, when given, the tags."""
        live = await self.live(conversation_id)
        record = live.record
        record.title = title
        if tags is not None:
            record.tags = tags
            live.state.tags = tags
        record.updated_at = utc_iso()
        await self.conversations.update(record.id, record.title, record.tags, record.updated_at)

    async def delete(self, conversation_id: UUID | str) -> None:
        live = await self.live(conversation_id)
        if self.delete_observer is None:
            await self.conversations.delete(live.record.id)
        else:
            async with self.delete_observer.deleting(live) as write:
                await self.conversations.delete(live.record.id, before=write)
        self._live.pop(live.record.id, None)
        self._changed(live.record.id)
        for stream in list(live.subscribers):
            stream.close()

    # ----- events -----

    async def append(self, conversation_id: UUID | str, event: Event) -> Event:
        """Persist `event`, fold it into the state, then publish it. A missing `parent_id` is
        set to the state's `leaf_event_id`, as the reference links its events."""
        await self.append_together(conversation_id, [event])
        return event

    async def append_together(self, conversation_id: UUID | str, events: list[Event]) -> None:
        """Append `events` in one transaction, so that a crash keeps all of them or none."""
        for event in events:
            if isinstance(event, _TRANSIENT):
                raise ValueError(f"{type(event).__name__} is never persisted; publish it instead")
        live = await self.live(conversation_id)
        async with live.lock:
            leaf = live.state.leaf_event_id
            stored = []
            for event in events:
                if event.parent_id is None:
                    event.parent_id = leaf
                # NOTE: the fold moves the leaf only for some kinds; link as it will.
                if not isinstance(event, ConversationStateUpdateEvent):
                    leaf = event.id
                stored.append(_stored(live.record.id, event))
            await self.events.insert_many(stored)
            for event, row in zip(events, stored, strict=True):
                apply_event(live.state, event)
                live.tallies[(row.kind, row.source)] += 1
                live.last_timestamp = event.timestamp
                live.publish(event)
        self._changed(live.record.id)

    def publish_transient(self, conversation_id: UUID | str, event: Event) -> None:
        """Send `event` to live websockets only (snapshots, streaming deltas)."""
        live = self._live.get(conversation_key(conversation_id))
        if live is not None:
            live.publish(event)

    async def all_events(self, conversation_id: UUID | str) -> list[Event]:
        live = await self.live(conversation_id)
        return [decode_event(stored.json) for stored in await self.events.all_full(live.record.id)]

    async def state(self, conversation_id: UUID | str) -> ConversationState:
        """The cached state. Treat it as read-only: change it by appending update events."""
        return (await self.live(conversation_id)).state

    async def full_state_event(self, conversation_id: UUID | str) -> ConversationStateUpdateEvent:
        """A `full_state` snapshot (secrets redacted), for publishing; never persisted."""
        state = await self.state(conversation_id)
        value = to_builtins(state, omit_none=True)
        value["agent"] = redact_agent(state.agent)
        return ConversationStateUpdateEvent(key=FULL_STATE_KEY, value=value)

    async def record_user_message(
        self, conversation_id: UUID | str, message: SendMessageRequest
    ) -> MessageEvent:
        """The reference's sequence for a new message: `idle` when the conversation had
        finished, the MessageEvent, then `last_user_message_id`."""
        state = await self.state(conversation_id)
        if state.execution_status is ConversationExecutionStatus.FINISHED:
            await self.append(
                conversation_id,
                ConversationStateUpdateEvent(key="execution_status", value="idle"),
            )
        event = MessageEvent(
            source="user" if message.role == "user" else "agent",
            llm_message=Message(role=message.role, content=list(message.content)),
        )
        await self.append(conversation_id, event)
        await self.append(
            conversation_id,
            ConversationStateUpdateEvent(key="last_user_message_id", value=event.id),
        )
        return event

    @asynccontextmanager
    async def subscribe(
        self, conversation_id: UUID | str
    ) -> AsyncIterator[MemoryObjectReceiveStream[Event]]:
        """Every event appended or published while the block runs, in order."""
        live = await self.live(conversation_id)
        send, receive = anyio.create_memory_object_stream[Event](math.inf)
        live.subscribers.add(send)
        try:
            yield receive
        finally:
            live.subscribers.discard(send)
            send.close()
            receive.close()

    # ----- secrets -----

    async def secrets(self, conversation_id: UUID | str) -> dict[str, str]:
        """Plain values of the conversation's static secrets, for exporting to commands."""
        live = await self.live(conversation_id)
        values: dict[str, str] = {}
        for name, source in live.secret_sources.items():
            value = source.get("value")
            if isinstance(value, str):
                values[name] = value
        return values

    async def secret_sources(self, conversation_id: UUID | str) -> dict[str, dict[str, Any]]:
        """Secret sources with values (LookupSecret urls and headers included)."""
        return dict((await self.live(conversation_id)).secret_sources)

    async def set_secrets(
        self, conversation_id: UUID | str, secrets: dict[str, str | JsonObject]
    ) -> None:
        """Add or replace secrets. Plain strings become StaticSecrets. No event is written."""
        live = await self.live(conversation_id)
        sources = normalise_secrets(secrets)
        await self.conversations.put_secrets(live.record.id, sources)
        live.secret_sources.update(sources)
        live.state.secret_registry = secret_registry(live.secret_sources)


def normalise_secrets(secrets: dict[str, str | JsonObject]) -> dict[str, dict[str, Any]]:
    """Secret sources from a request: a plain string is a StaticSecret with that value."""
    sources: dict[str, dict[str, Any]] = {}
    for name, secret in secrets.items():
        if isinstance(secret, str):
            sources[name] = {"kind": "StaticSecret", "value": secret, "description": None}
        else:
            sources[name] = {"kind": secret.get("kind", "StaticSecret"), **secret}
    return sources

"""Pending messages: messages sent to a conversation that is still starting, queued in SQLite
and delivered when its start task reaches READY."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from ohlocal.errors import AppConversationNotFound, TooManyPendingMessages
from ohlocal.models.app_conversation import (
    AppConversationStartTaskStatus,
    PendingMessageRequest,
    PendingMessageResponse,
)
from ohlocal.models.conversation import SendMessageRequest, utc_iso

if TYPE_CHECKING:
    from ohlocal.services.runner_api import ConversationRunner
    from ohlocal.store.app_conversation_store import AppConversationStore
    from ohlocal.store.start_task_store import StartTaskStore

logger = logging.getLogger(__name__)

MAX_PENDING = 10


def _hex(value: str) -> str | None:
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None


class PendingMessageService:
    def __init__(
        self,
        tasks: StartTaskStore,
        app_store: AppConversationStore,
        runner: ConversationRunner,
    ) -> None:
        self._tasks = tasks
        self._app_store = app_store
        self._runner = runner

    async def queue_pending_message(
        self, conversation_id: str, message: PendingMessageRequest
    ) -> PendingMessageResponse:
        """Queue `message` for a start task (or its conversation) that is not READY yet; a
        READY conversation gets it at once."""
        key = _hex(conversation_id)
        if key is None:
            raise AppConversationNotFound(
                conversation_id, f"Conversation not found: {conversation_id}"
            )
        message_id = uuid.uuid4().hex
        ready = await self._ready_conversation(key)
        if ready is not None:
            await self._send(ready, message)
            return PendingMessageResponse(id=message_id, queued=False, position=0)
        if (await self._tasks.batch_get([key])).get(key) is None:
            raise AppConversationNotFound(
                conversation_id, f"Conversation not found: {conversation_id}"
            )
        if await self._tasks.count_pending([key]) >= MAX_PENDING:
            raise TooManyPendingMessages(conversation_id, MAX_PENDING)
        position = await self._tasks.add_pending(message_id, key, message, utc_iso())
        # The task may have become READY meanwhile: deliver now rather than never.
        ready = await self._ready_conversation(key)
        if ready is not None:
            await self.deliver([key], ready)
        return PendingMessageResponse(id=message_id, queued=True, position=position)

    async def _ready_conversation(self, key: str) -> uuid.UUID | None:
        """The conversation of `key` when it exists: an app conversation id, or the id of a
        READY start task."""
        if await self._app_store.get(key) is not None:
            return uuid.UUID(key)
        task = (await self._tasks.batch_get([key])).get(key)
        if task is not None and task.status is AppConversationStartTaskStatus.READY:
            return uuid.UUID(task.app_conversation_id) if task.app_conversation_id else None
        return None

    async def deliver(self, keys: list[str], conversation_id: uuid.UUID) -> None:
        """Send the messages queued under any of `keys` to the conversation, oldest first."""
        for message in await self._tasks.take_pending(keys):
            await self._send(conversation_id, message)
            logger.info("pending message delivered conversation_id=%s", conversation_id.hex)

    async def _send(self, conversation_id: uuid.UUID, message: PendingMessageRequest) -> None:
        request = SendMessageRequest(role=message.role, content=list(message.content), run=True)
        await self._runner.send_message(conversation_id, request)

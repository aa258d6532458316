"""`/api/v1/conversations/{conversation_id}/pending-messages`: messages for a conversation that
is still starting."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from ohlocal.models.app_conversation import PendingMessageRequest, PendingMessageResponse
from ohlocal.services.pending_message_service import PendingMessageService


class PendingMessageController(Controller):
    path = "/api/v1/conversations/{conversation_id:str}/pending-messages"
    tags = ["App Conversations"]

    @post("/", status_code=201)
    async def queue_pending_message(
        self,
        pending_message_service: NamedDependency[PendingMessageService],
        conversation_id: FromPath[str],
        data: JSONBody[PendingMessageRequest],
    ) -> PendingMessageResponse:
        """Queue a message (at most 10) until the conversation is READY; `conversation_id` may
        be a start-task id."""
        return await pending_message_service.queue_pending_message(conversation_id, data)

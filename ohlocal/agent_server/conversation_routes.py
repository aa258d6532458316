"""`{AGENT_SERVER}/api/conversations`: start, read, list, update and delete conversations."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ohlocal.agent_server.dependencies import AGENT_DEPENDENCIES
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.models.base import Success
from ohlocal.models.conversation import (
    AgentResponseResult,
    ConversationExecutionStatus,
    ConversationInfo,
    ConversationPage,
    ConversationSortOrder,
    StartConversationRequest,
    UpdateConversationRequest,
)
from ohlocal.services.conversation_service import ConversationService


class ConversationController(Controller):
    path = AGENT_PREFIX + "/api/conversations"
    tags = ["Conversations"]
    dependencies = AGENT_DEPENDENCIES

    # NOTE: the reference answers 201 although its OpenAPI document says 200.
    @post("/", status_code=201)
    async def start_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        data: JSONBody[StartConversationRequest],
    ) -> ConversationInfo:
        """Start a conversation in this sandbox; an initial message may start it running."""
        return await conversation_service.start_conversation(sandbox_id, data)

    @get("/search")
    async def search_conversations(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        page_id: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
        status: FromQuery[ConversationExecutionStatus | None] = None,
        sort_order: FromQuery[ConversationSortOrder] = ConversationSortOrder.CREATED_AT_DESC,
    ) -> ConversationPage:
        """A page of conversations; `next_page_id` is the hex id of the next one."""
        return await conversation_service.search_conversations(
            sandbox_id, status, sort_order, page_id, limit
        )

    @get("/count")
    async def count_conversations(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        status: FromQuery[ConversationExecutionStatus | None] = None,
    ) -> int:
        """How many conversations match."""
        return await conversation_service.count_conversations(sandbox_id, status)

    @get("/")
    async def batch_get_conversations(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        ids: list[str],
    ) -> list[ConversationInfo | None]:
        """Conversations by id (dashed or hex); null where an id is unknown."""
        return await conversation_service.batch_get_conversations(sandbox_id, ids)

    @get("/{conversation_id:str}")
    async def get_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> ConversationInfo:
        """One conversation, its state and metadata."""
        return await conversation_service.get_conversation(sandbox_id, conversation_id)

    @patch("/{conversation_id:str}", status_code=200)
    async def update_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[UpdateConversationRequest],
    ) -> Success:
        """Set a conversation's title and tags."""
        await conversation_service.update_conversation(sandbox_id, conversation_id, data)
        return Success()

    @delete("/{conversation_id:str}", status_code=200)
    async def delete_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> Success:
        """Stop a conversation and delete it with its events."""
        await conversation_service.delete_conversation(sandbox_id, conversation_id)
        return Success()

    @get("/{conversation_id:str}/agent_final_response")
    async def agent_final_response(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> AgentResponseResult:
        """The agent's final answer in the current turn ("" while there is none)."""
        text = await conversation_service.agent_final_response(sandbox_id, conversation_id)
        return AgentResponseResult(response=text)

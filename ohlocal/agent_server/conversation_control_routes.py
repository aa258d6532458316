"""`{AGENT_SERVER}/api/conversations/{id}/...`: run, pause, interrupt, confirmation, policy,
security analyzer, secrets, ask_agent, condense and generate_title, each handed to the
conversation runner."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from ohlocal.agent_server.dependencies import AGENT_DEPENDENCIES
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.errors import InvalidInput
from ohlocal.models.base import Success
from ohlocal.models.conversation import (
    AskAgentRequest,
    AskAgentResponse,
    ConfirmationResponseRequest,
    GenerateTitleRequest,
    GenerateTitleResponse,
    SetSecurityAnalyzerRequest,
    UpdateSecretsRequest,
)
from ohlocal.services.conversation_service import ConversationService


async def _cid(
    service: NamedDependency[ConversationService],
    sandbox_id: FromPath[str],
    conversation_id: FromPath[str],
) -> uuid.UUID:
    live = await service.live(sandbox_id, conversation_id)
    return uuid.UUID(live.record.id)


class ConversationControlController(Controller):
    path = AGENT_PREFIX + "/api/conversations/{conversation_id:str}"
    tags = ["Conversations"]
    dependencies = AGENT_DEPENDENCIES

    @post("/run", status_code=200)
    async def run_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> Success:
        """Start the agent; 409 while it is already running."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.run(cid)
        return Success()

    @post("/pause", status_code=200)
    async def pause_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> Success:
        """Pause after the current step."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.pause(cid)
        return Success()

    @post("/interrupt", status_code=200)
    async def interrupt_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> Success:
        """Stop at once, discarding an in-flight LLM answer."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.interrupt(cid)
        return Success()

    @post("/events/respond_to_confirmation", status_code=200)
    async def respond_to_confirmation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[ConfirmationResponseRequest],
    ) -> Success:
        """Accept or reject the actions waiting for confirmation."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.respond_to_confirmation(cid, data.accept, data.reason)
        return Success()

    # NOTE: old TypeScript clients post the policy unwrapped; both forms are accepted.
    @post("/confirmation_policy", status_code=200)
    async def set_confirmation_policy(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[dict[str, Any]],
    ) -> Success:
        """Set the confirmation policy (NeverConfirm, AlwaysConfirm, ConfirmRisky)."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        policy = data["policy"] if isinstance(data.get("policy"), dict) else data
        await conversation_service.runner.set_confirmation_policy(cid, policy)
        return Success()

    @post("/security_analyzer", status_code=200)
    async def set_security_analyzer(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[SetSecurityAnalyzerRequest],
    ) -> Success:
        """Set or clear the security analyzer."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.set_security_analyzer(cid, data.security_analyzer)
        return Success()

    @post("/secrets", status_code=200)
    async def update_secrets(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[UpdateSecretsRequest],
    ) -> Success:
        """Add or replace secrets; their values are never shown again."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.update_secrets(cid, data.secrets)
        return Success()

    @post("/ask_agent", status_code=200)
    async def ask_agent(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[AskAgentRequest],
    ) -> AskAgentResponse:
        """Ask the agent a side question; the conversation's events are not changed."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        answer = await conversation_service.runner.ask_agent(cid, data.question)
        return AskAgentResponse(response=answer)

    @post("/condense", status_code=200)
    async def condense_conversation(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> Success:
        """Condense the history now; 409 when the agent has no condenser."""
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        await conversation_service.runner.condense(cid)
        return Success()

    # NOTE: the seed agent server's route, kept for its clients although 1.58.2 dropped it.
    @post("/generate_title", status_code=200)
    async def generate_title(
        self,
        conversation_service: NamedDependency[ConversationService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
        data: JSONBody[GenerateTitleRequest],
    ) -> GenerateTitleResponse:
        """A title from the first user message, by the LLM; its first words when no LLM answers."""
        if data.max_length < 1:
            raise InvalidInput(
                ("body", "max_length"),
                "Input should be greater than 0",
                "greater_than",
                data.max_length,
            )
        cid = await _cid(conversation_service, sandbox_id, conversation_id)
        title = await conversation_service.runner.generate_title(cid, data.max_length, data.llm)
        return GenerateTitleResponse(title=title)

"""A runner that does no agent work, for tests of the routes, the log and the socket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ohlocal.errors import ConversationAlreadyRunning, NoCondenser
from ohlocal.models.conversation import ConversationExecutionStatus, SendMessageRequest
from ohlocal.models.events import ConversationStateUpdateEvent, PauseEvent

if TYPE_CHECKING:
    from uuid import UUID

    from ohlocal.services.runner_api import RunnerContext


class IdleRunner:
    """Records messages and state updates the way the reference does, never calls an LLM."""

    def __init__(self, context: RunnerContext) -> None:
        self.log = context.event_log
        self.calls: list[tuple[str, Any]] = []
        self.deleted: list[UUID] = []

    async def on_created(
        self, conversation_id: UUID, initial_message: SendMessageRequest | None
    ) -> None:
        self.calls.append(("on_created", conversation_id))
        if initial_message is not None:
            await self.log.record_user_message(conversation_id, initial_message)

    async def send_message(self, conversation_id: UUID, message: SendMessageRequest) -> None:
        self.calls.append(("send_message", message))
        await self.log.record_user_message(conversation_id, message)

    async def _status(self, conversation_id: UUID, status: str) -> None:
        await self.log.append(
            conversation_id, ConversationStateUpdateEvent(key="execution_status", value=status)
        )

    async def run(self, conversation_id: UUID) -> None:
        state = await self.log.state(conversation_id)
        if state.execution_status is ConversationExecutionStatus.RUNNING:
            raise ConversationAlreadyRunning(str(conversation_id))
        await self._status(conversation_id, "running")

    async def pause(self, conversation_id: UUID) -> None:
        await self._status(conversation_id, "paused")
        await self.log.append(conversation_id, PauseEvent())

    async def interrupt(self, conversation_id: UUID) -> None:
        await self._status(conversation_id, "paused")

    async def respond_to_confirmation(
        self, conversation_id: UUID, accept: bool, reason: str
    ) -> None:
        self.calls.append(("respond_to_confirmation", (accept, reason)))

    async def set_confirmation_policy(self, conversation_id: UUID, policy: dict[str, Any]) -> None:
        await self.log.append(
            conversation_id, ConversationStateUpdateEvent(key="confirmation_policy", value=policy)
        )

    async def set_security_analyzer(self, conversation_id: UUID, analyzer: Any) -> None:
        await self.log.append(
            conversation_id, ConversationStateUpdateEvent(key="security_analyzer", value=analyzer)
        )

    async def update_secrets(self, conversation_id: UUID, secrets: dict[str, Any]) -> None:
        await self.log.set_secrets(conversation_id, secrets)

    async def ask_agent(self, conversation_id: UUID, question: str) -> str:
        return f"echo: {question}"

    async def condense(self, conversation_id: UUID) -> None:
        raise NoCondenser(str(conversation_id))

    async def generate_title(self, conversation_id: UUID, max_length: int, llm: Any) -> str:
        return "title"

    async def delete(self, conversation_id: UUID) -> None:
        self.deleted.append(conversation_id)

    async def recover(self) -> None:
        self.calls.append(("recover", None))

"""The contract between the conversation routes and the agent loop.

The routes own HTTP, the event log owns persistence and state; a `ConversationRunner` owns
agent work (LLM calls, tools, pause/interrupt/confirmation/condensation). Routes call the runner
after the conversation exists; the runner writes only through the `EventLog`:

- `await log.append(cid, event)`: persist (committed before anyone sees it), fold into the
  cached state, then publish to websockets. State changes are `ConversationStateUpdateEvent`s
  with `key` = a `ConversationState` field name (`execution_status`, `stats`, ...).
- `log.publish_transient(cid, event)`: websocket only (post-run `full_state` snapshots via
  `log.full_state_event(cid)`, `StreamingDeltaEvent`s).
- `await log.record_user_message(cid, message)`: the reference's user-message sequence (an
  `idle` update when the conversation had finished, the MessageEvent, `last_user_message_id`).
- `await log.all_events(cid)`, `await log.state(cid)`, `await log.secrets(cid)` (plain values
  for exporting to commands), `await log.set_secrets(cid, secrets)`, `await log.set_title(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ohlocal.errors import RunnerUnavailable

if TYPE_CHECKING:
    from uuid import UUID

    from ohlocal.models.conversation import JsonObject, SendMessageRequest
    from ohlocal.services.event_log import EventLog
    from ohlocal.services.sandbox_service import SandboxService
    from ohlocal.settings import Settings


class ConversationRunner(Protocol):
    """Agent work for conversations. Every method may raise `ConversationNotFound`."""

    async def on_created(
        self, conversation_id: UUID, initial_message: SendMessageRequest | None
    ) -> None:
        """The conversation row and its state exist; record and (if `run`) start the message."""

    async def send_message(self, conversation_id: UUID, message: SendMessageRequest) -> None:
        """Record a user message (`EventLog.record_user_message`); start a run if `run`."""

    async def run(self, conversation_id: UUID) -> None:
        """Start running in the background; raises `ConversationAlreadyRunning` (409)."""

    async def pause(self, conversation_id: UUID) -> None: ...

    async def interrupt(self, conversation_id: UUID) -> None: ...

    async def respond_to_confirmation(
        self, conversation_id: UUID, accept: bool, reason: str
    ) -> None: ...

    async def set_confirmation_policy(self, conversation_id: UUID, policy: JsonObject) -> None:
        """Append the `confirmation_policy` state update (and act on pending actions)."""

    async def set_security_analyzer(
        self, conversation_id: UUID, analyzer: JsonObject | None
    ) -> None: ...

    async def update_secrets(
        self, conversation_id: UUID, secrets: dict[str, str | JsonObject]
    ) -> None:
        """Store through `EventLog.set_secrets`; values never go into events."""

    async def ask_agent(self, conversation_id: UUID, question: str) -> str: ...

    async def condense(self, conversation_id: UUID) -> None:
        """Raises `NoCondenser` (409) when the agent has no condenser."""

    async def generate_title(
        self, conversation_id: UUID, max_length: int, llm: JsonObject | None
    ) -> str: ...

    async def delete(self, conversation_id: UUID) -> None:
        """Stop any run and release tool sessions; the routes then delete the rows."""

    async def recover(self) -> None:
        """At start-up, after the event log is open: resume or close interrupted runs."""


@dataclass(frozen=True)
class RunnerContext:
    """What a runner factory gets from the app lifespan."""

    settings: Settings
    event_log: EventLog
    sandboxes: SandboxService
    # Starts a background task in the app's task group (TaskGroup.start_soon).
    spawn: Callable[..., Any]


RunnerFactory = Callable[[RunnerContext], ConversationRunner]


class UnavailableRunner:
    """Stands in while no runner is installed: every agent operation answers 503."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        async def unavailable(*args: Any, **kwargs: Any) -> Any:
            raise RunnerUnavailable(f"conversation runner not available (operation '{name}')")

        return unavailable

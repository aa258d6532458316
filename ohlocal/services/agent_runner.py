"""The ConversationRunner: starts, pauses, interrupts and resumes the agent loop of each
conversation, and answers the agent requests that need no loop (ask_agent, titles, condense)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio

from ohlocal.agent.condenser import CondenserConfig
from ohlocal.agent.context import AgentContext
from ohlocal.agent.loop import ConversationLoop, pending_actions, steps_of_current_run, to_json
from ohlocal.agent.messages import build_messages
from ohlocal.agent.prompts import TITLE_PROMPT, fallback_title
from ohlocal.errors import ConversationAlreadyRunning, NoCondenser
from ohlocal.llm.errors import LLMError
from ohlocal.llm.select import LLMProviders
from ohlocal.llm.types import LLMRequest
from ohlocal.models.content import text_of
from ohlocal.models.events import (
    AgentErrorEvent,
    CondensationRequest,
    ConversationStateUpdateEvent,
    InterruptEvent,
    MessageEvent,
    PauseEvent,
    UserRejectObservation,
)
from ohlocal.services.event_log import conversation_key

if TYPE_CHECKING:
    from uuid import UUID

    from ohlocal.models.conversation import JsonObject, SendMessageRequest
    from ohlocal.services.runner_api import RunnerContext

logger = logging.getLogger(__name__)

# NOTE: the reference's parent_id for a PauseEvent of a conversation without events.
ROOT_PARENT = "__root__"
# Statuses in which POST /run starts the loop; on finished and stuck it changes nothing.
RUNNABLE = frozenset({"idle", "paused", "error", "waiting_for_confirmation"})
DEFAULT_TITLE_LENGTH = 50
# How long POST /run waits for a paused run's last step before starting the next run.
RUN_HANDOVER_TIMEOUT = 600.0
RECOVERED_ERROR = (
    "ohlocal restarted while this action was running; it was not run again. Check its "
    "effects before repeating it."
)


class AgentRunner:
    """One per server; implements `ohlocal.services.runner_api.ConversationRunner`."""

    def __init__(self, ctx: RunnerContext) -> None:
        self._log = ctx.event_log
        self._spawn = ctx.spawn
        self.llms = LLMProviders(ctx.settings)
        self.agent = AgentContext(ctx.event_log, ctx.sandboxes, self.llms)
        self._loops: dict[str, ConversationLoop] = {}

    def _loop(self, cid: UUID | str) -> ConversationLoop:
        key = conversation_key(cid)
        if key not in self._loops:
            self._loops[key] = ConversationLoop(key, self.agent)
        return self._loops[key]

    # ----- messages and runs -----

    async def on_created(
        self, conversation_id: UUID, initial_message: SendMessageRequest | None
    ) -> None:
        if initial_message is not None:
            # NOTE: the reference answers the create request with `idle` even when the initial
            # message runs: `running` is recorded by the run task, after the response.
            await self.send_message(conversation_id, initial_message, announce=False)

    async def send_message(
        self, conversation_id: UUID, message: SendMessageRequest, announce: bool = True
    ) -> None:
        await self.agent.ensure_system_prompt(conversation_id)
        await self._log.record_user_message(conversation_id, message)
        await self._maybe_title(conversation_id)
        if message.run and not self._loop(conversation_id).running:
            await self.run(conversation_id, announce)

    async def run(self, conversation_id: UUID, announce: bool = True) -> None:
        """Start the loop; `running` is recorded before this returns when `announce`."""
        loop = self._loop(conversation_id)
        if loop.running and loop.pause_requested:
            # NOTE: a run requested while a paused run finishes its last step starts after it
            # (the reference records `running` after that step's observation).
            with anyio.fail_after(RUN_HANDOVER_TIMEOUT):
                await loop.done.wait()
        if loop.running:
            raise ConversationAlreadyRunning(conversation_key(conversation_id))
        state = await self._log.state(conversation_id)
        if str(state.execution_status) not in RUNNABLE:
            await self.agent.publish_full_state(conversation_id)
            return
        await self.agent.ensure_system_prompt(conversation_id)
        await self._start(loop, announce)

    async def _start(
        self, loop: ConversationLoop, announce: bool = True, resumed: bool = False
    ) -> None:
        """Start `loop`'s run task. `running` is recorded here when `announce`, by the task
        otherwise, and not at all when `resumed` (the log already says `running`)."""
        loop.running = True
        loop.pause_requested = False
        loop.done = anyio.Event()
        if announce and not resumed:
            await loop.status("running")
        self._spawn(loop.run, announce or resumed)
        logger.info("agent run started conversation_id=%s", loop.conversation_id)

    async def pause(self, conversation_id: UUID) -> None:
        await self._stop(conversation_id, interrupt=False)

    async def interrupt(self, conversation_id: UUID) -> None:
        await self._stop(conversation_id, interrupt=True)

    async def _stop(self, conversation_id: UUID, interrupt: bool) -> None:
        """Pause at once during an LLM call, after the step during tool work; an interrupt
        also discards the in-flight LLM answer."""
        loop = self._loop(conversation_id)
        if loop.running:
            loop.pause_requested = True
            if interrupt:
                loop.interrupt_llm()
        state = await self._log.state(conversation_id)
        parent = None if state.leaf_event_id else ROOT_PARENT
        async with loop.step_lock:
            await loop.status("paused")
            event = InterruptEvent(parent_id=parent) if interrupt else PauseEvent(parent_id=parent)
            await self._log.append(conversation_id, event)
        await self.agent.publish_full_state(conversation_id)

    # ----- confirmation and policies -----

    async def respond_to_confirmation(
        self, conversation_id: UUID, accept: bool, reason: str
    ) -> None:
        loop = self._loop(conversation_id)
        if accept:
            if not loop.running:
                await self._start(loop)
            return
        pending = pending_actions(await self._log.all_events(conversation_id))
        await loop.status("idle")
        for action in pending:
            await self._log.append(
                conversation_id,
                UserRejectObservation(
                    tool_name=action.tool_name,
                    tool_call_id=action.tool_call_id,
                    rejection_reason=reason,
                    action_id=action.id,
                ),
            )
        await self.agent.publish_full_state(conversation_id)

    async def set_confirmation_policy(self, conversation_id: UUID, policy: JsonObject) -> None:
        await self._log.append(
            conversation_id, ConversationStateUpdateEvent(key="confirmation_policy", value=policy)
        )

    async def set_security_analyzer(
        self, conversation_id: UUID, analyzer: JsonObject | None
    ) -> None:
        await self._log.append(
            conversation_id, ConversationStateUpdateEvent(key="security_analyzer", value=analyzer)
        )

    async def update_secrets(
        self, conversation_id: UUID, secrets: dict[str, str | JsonObject]
    ) -> None:
        await self._log.set_secrets(conversation_id, secrets)
        await self.agent.update_secrets(conversation_id)

    # ----- requests answered without the loop -----

    async def ask_agent(self, conversation_id: UUID, question: str) -> str:
        """Answer from the conversation's context; nothing is added to the log."""
        state = await self._log.state(conversation_id)
        messages = build_messages(to_json(await self._log.all_events(conversation_id)))
        messages.append({"role": "user", "content": question})
        # NOTE: the reference offers the agent's tools on ask_agent requests too (recordings).
        request = LLMRequest(messages=messages, tools=self.agent.tool_specs(state.agent))
        config = self.llms.config(state.agent.get("llm"))
        response = await self.llms.provider(config).complete(config, request)
        return response.content

    async def condense(self, conversation_id: UUID) -> None:
        state = await self._log.state(conversation_id)
        config = CondenserConfig.of(state.agent)
        if config is None:
            raise NoCondenser(conversation_key(conversation_id))
        await self._log.append(conversation_id, CondensationRequest())
        try:
            await self.agent.condense(conversation_id, config)
        except LLMError as exc:
            logger.warning(
                "condensation failed, history kept conversation_id=%s code=%s",
                conversation_id,
                exc.code,
            )

    async def generate_title(
        self, conversation_id: UUID, max_length: int, llm: JsonObject | None
    ) -> str:
        first = next(
            (
                e
                for e in await self._log.all_events(conversation_id)
                if isinstance(e, MessageEvent) and e.source == "user"
            ),
            None,
        )
        text = text_of(first.llm_message.content) if first is not None else ""
        request = LLMRequest(
            messages=[
                {"role": "user", "content": TITLE_PROMPT.format(max_length=max_length, text=text)}
            ]
        )
        try:
            response = await self.agent.complete(conversation_id, "agent", request, llm=llm)
            title = " ".join(response.content.split()).strip("\"'")[:max_length]
        except LLMError as exc:
            logger.warning(
                "title from the LLM failed, using the message conversation_id=%s code=%s",
                conversation_id,
                exc.code,
            )
            title = ""
        return title or fallback_title(text, max_length)

    async def _maybe_title(self, conversation_id: UUID, recovering: bool = False) -> None:
        """Title a conversation at its first user message (or at start-up, when a crash cut
        that off)."""
        record = await self._log.record(conversation_id)
        if record.title or not record.request.autotitle:
            return
        users = [
            e
            for e in await self._log.all_events(conversation_id)
            if isinstance(e, MessageEvent) and e.source == "user"
        ]
        if len(users) == 1 or (recovering and users):
            self._spawn(self._title_task, conversation_id)

    async def _title_task(self, conversation_id: UUID) -> None:
        try:
            title = await self.generate_title(conversation_id, DEFAULT_TITLE_LENGTH, None)
            await self._log.set_title(conversation_id, title)
        except Exception:  # a task boundary: a title is never worth failing the server for
            logger.exception("title generation failed conversation_id=%s", conversation_id)

    # ----- lifecycle -----

    async def delete(self, conversation_id: UUID) -> None:
        loop = self._loops.pop(conversation_key(conversation_id), None)
        if loop is not None:
            loop.cancel()
        await self.agent.close_tool_host(conversation_id)
        self.agent.forget(conversation_id)

    async def recover(self) -> None:
        """Close actions a crash left without a result, then resume interrupted runs; titles
        a crash cut short are generated again."""
        for key in await self._log.conversations.ids():
            await self._maybe_title((await self._log.live(key)).conversation_uuid, True)
            state = await self._log.state(key)
            if str(state.execution_status) != "running":
                continue
            events = await self._log.all_events(key)
            for action in pending_actions(events):
                await self._log.append(
                    key,
                    AgentErrorEvent(
                        tool_name=action.tool_name,
                        tool_call_id=action.tool_call_id,
                        error=RECOVERED_ERROR,
                    ),
                )
            logger.info("resuming interrupted run conversation_id=%s", key)
            loop = self._loop(key)
            loop.steps_before_crash = steps_of_current_run(events)
            await self._start(loop, resumed=True)

    async def aclose(self) -> None:
        await self.llms.aclose()

"""The agent loop of one conversation: LLM step, actions, observations, until something stops
it. Pause, interrupt and confirmation are coordinated here; `AgentRunner` owns the loops."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ohlocal.agent.actions import needs_confirmation, plain_reply, plan_actions
from ohlocal.agent.messages import build_messages
from ohlocal.agent.stuck import is_stuck
from ohlocal.errors import BackendError, ToolExecutionError
from ohlocal.llm.errors import LLMError
from ohlocal.llm.types import LLMRequest
from ohlocal.models.events import (
    ActionEvent,
    AgentErrorEvent,
    ConversationErrorEvent,
    ConversationStateUpdateEvent,
    ObservationEvent,
)
from ohlocal.models.message import ErrorClassification

if TYPE_CHECKING:
    from uuid import UUID

    from ohlocal.agent.context import AgentContext
    from ohlocal.llm.types import LLMResponse
    from ohlocal.models.events import Event

logger = logging.getLogger(__name__)

SNAPSHOT_REPEAT_DELAY = 0.5
RESULT_KINDS = ("ObservationEvent", "AgentErrorEvent", "UserRejectObservation")
MAX_ITERATIONS_ERROR = ErrorClassification(kind="agent_action", retryable=False, user_action="none")


def to_json(events: list[Event]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(e) for e in events]


def steps_of_current_run(events: list[Event]) -> int:
    """LLM steps (distinct responses that produced actions) since the last `running`."""
    responses: set[str] = set()
    for event in reversed(events):
        if (
            isinstance(event, ConversationStateUpdateEvent)
            and event.key == "execution_status"
            and event.value == "running"
        ):
            break
        if isinstance(event, ActionEvent):
            responses.add(event.llm_response_id)
    return len(responses)


def pending_actions(events: list[Event]) -> list[ActionEvent]:
    """ActionEvents with an action that no observation, rejection or error has answered."""
    answered = {
        getattr(e, "tool_call_id", None) for e in events if e.__class__.__name__ in RESULT_KINDS
    }
    return [
        e
        for e in events
        if isinstance(e, ActionEvent) and e.action is not None and e.tool_call_id not in answered
    ]


class ConversationLoop:
    """Run state of one conversation. At most one `run()` task is active at a time."""

    def __init__(self, conversation_id: UUID | str, ctx: AgentContext) -> None:
        self.conversation_id = conversation_id
        self.ctx = ctx
        self.running = False
        self.pause_requested = False
        # Held while tools run: a pause waits for the step to end.
        self.step_lock = anyio.Lock()
        self._llm_scope: anyio.CancelScope | None = None
        self._run_scope: anyio.CancelScope | None = None
        self.interrupted = False
        # Steps the run had taken before a crash (set by recovery): they count towards
        # max_iterations of the resumed run.
        self.steps_before_crash = 0
        # Set when the current run task has ended.
        self.done = anyio.Event()

    async def status(self, value: str) -> None:
        await self.ctx.append(
            self.conversation_id, ConversationStateUpdateEvent(key="execution_status", value=value)
        )

    def interrupt_llm(self) -> bool:
        """Cancel the in-flight LLM call, if any; its answer is discarded."""
        if self._llm_scope is None:
            return False
        self.interrupted = True
        self._llm_scope.cancel()
        return True

    def cancel(self) -> None:
        if self._run_scope is not None:
            self._run_scope.cancel()

    async def run(self, announced: bool) -> None:
        """The background task: one run, from `running` (recorded here unless the caller
        `announced` it already) to whatever stops it."""
        cid = self.conversation_id
        try:
            with anyio.CancelScope() as self._run_scope:
                if not announced:
                    await self.status("running")
                await self._steps()
        except Exception as exc:  # a task boundary: record the failure on the conversation
            logger.exception("agent run failed conversation_id=%s", cid)
            await self._fail("AgentError", f"{type(exc).__name__}: {exc}", None)
        finally:
            self.running = False
            self._run_scope = None
            self.done.set()
            await self.ctx.publish_full_state(cid)
            # NOTE: SDK 1.58.2 only accepts a post-run snapshot once its POST /run returned;
            # a run faster than that response would leave run() waiting 30 s for REST, so the
            # snapshot is sent once more, shortly after.
            await anyio.sleep(SNAPSHOT_REPEAT_DELAY)
            await self.ctx.publish_full_state(cid)
            logger.info("agent run ended conversation_id=%s", cid)

    async def _steps(self) -> None:
        iterations, self.steps_before_crash = self.steps_before_crash, 0
        while not self.pause_requested:
            outcome = await self._step()
            if outcome != "continue":
                return
            iterations += 1
            state = await self.ctx.state(self.conversation_id)
            if iterations >= state.max_iterations:
                detail = f"Agent reached maximum iterations limit ({state.max_iterations})."
                await self._fail("MaxIterationsReached", detail, MAX_ITERATIONS_ERROR)
                return
            if state.stuck_detection and is_stuck(
                to_json(await self.ctx.events(self.conversation_id))
            ):
                logger.warning("agent stuck conversation_id=%s", self.conversation_id)
                await self.status("stuck")
                return

    async def _step(self) -> str:
        """One step: run pending actions, or ask the LLM and act on its answer. Returns
        "continue", or "stop" when the run ended (its status is already recorded)."""
        cid = self.conversation_id
        events = await self.ctx.events(cid)
        pending = pending_actions(events)
        if pending:
            return await self._execute(pending)
        await self.ctx.condense_if_needed(cid)
        response = await self._ask_llm(cid)
        if response is None:
            return "stop"
        if not response.tool_calls:
            await self.ctx.append(cid, plain_reply(response))
            await self.status("finished")
            return "stop"
        return await self._act(response)

    async def _ask_llm(self, cid: UUID | str) -> LLMResponse | None:
        state = await self.ctx.state(cid)
        messages = build_messages(to_json(await self.ctx.events(cid)))
        request = LLMRequest(messages=messages, tools=self.ctx.tool_specs(state.agent))
        self.interrupted = False
        try:
            with anyio.CancelScope() as self._llm_scope:
                return await self.ctx.complete(cid, "agent", request)
        except LLMError as exc:
            logger.error("llm call failed conversation_id=%s code=%s", cid, exc.code)
            classification = ErrorClassification(**msgspec.to_builtins(exc.classification))
            await self._fail(exc.code, exc.detail, classification)
            return None
        finally:
            self._llm_scope = None
        # Reached only when an interrupt cancelled the call: the answer is discarded.
        return None

    async def _act(self, response: LLMResponse) -> str:
        cid = self.conversation_id
        state = await self.ctx.state(cid)
        planned = plan_actions(
            response, self.ctx.tool_names(state.agent), state.security_analyzer is not None
        )
        valid: list[ActionEvent] = []
        for action, rejection in planned:
            await self.ctx.append(cid, action)
            if rejection is not None:
                await self.ctx.append(cid, rejection)
            else:
                valid.append(action)
        if needs_confirmation(state.confirmation_policy, valid):
            await self.status("waiting_for_confirmation")
            return "stop"
        return await self._execute(valid)

    async def _execute(self, actions: list[ActionEvent]) -> str:
        cid = self.conversation_id
        finished = False
        async with self.step_lock:
            for event in actions:
                finished = await self._execute_one(cid, event) or finished
        if finished:
            await self.status("finished")
            return "stop"
        return "continue"

    async def _execute_one(self, cid: UUID | str, event: ActionEvent) -> bool:
        host = await self.ctx.tool_host(cid)
        assert event.action is not None  # only valid actions are executed
        try:
            observation = await host.execute(event.action)
        except (BackendError, ToolExecutionError) as exc:
            logger.warning("tool failed conversation_id=%s tool=%s", cid, event.tool_name)
            error = exc.message
            if isinstance(exc, BackendError):
                error = f"The tool could not run in the sandbox: {exc.message}"
            await self.ctx.append(
                cid,
                AgentErrorEvent(
                    tool_name=event.tool_name, tool_call_id=event.tool_call_id, error=error
                ),
            )
            return False
        await self.ctx.append(
            cid,
            ObservationEvent(
                tool_name=event.tool_name,
                tool_call_id=event.tool_call_id,
                observation=observation,
                action_id=event.id,
            ),
        )
        return event.tool_name == "finish"

    async def _fail(
        self, code: str, detail: str, classification: ErrorClassification | None
    ) -> None:
        # NOTE: one transaction: a crash between the two left `error` without its event.
        await self.ctx.append_together(
            self.conversation_id,
            [
                ConversationStateUpdateEvent(key="execution_status", value="error"),
                ConversationErrorEvent(
                    source="environment", code=code, detail=detail, classification=classification
                ),
            ],
        )

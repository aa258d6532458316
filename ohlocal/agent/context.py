"""What the agent loop needs from the server: the event log, LLM calls with usage stats, the
tool host of each conversation, the system prompt and condensation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.agent.condenser import (
    CondenserConfig,
    forgotten_events,
    needs_condensation,
    summary_request,
)
from ohlocal.agent.prompts import SYSTEM_PROMPT, secrets_note
from ohlocal.errors import ConversationNotFound
from ohlocal.llm.metrics import UsageMetrics
from ohlocal.llm.types import LLMRequest
from ohlocal.models.content import TextContent
from ohlocal.models.events import (
    Condensation,
    ConversationStateUpdateEvent,
    SystemPromptEvent,
)
from ohlocal.services.event_log import conversation_key
from ohlocal.services.skills import skills_context
from ohlocal.tools import ToolHost, tool_definitions, tool_specs

if TYPE_CHECKING:
    from uuid import UUID

    from ohlocal.llm.select import LLMProviders
    from ohlocal.llm.types import LLMResponse
    from ohlocal.models.conversation import ConversationState
    from ohlocal.models.events import Event
    from ohlocal.services.event_log import EventLog
    from ohlocal.services.sandbox_service import SandboxService

logger = logging.getLogger(__name__)

# Tools the server adds to every agent, as the reference's `include_default_tools` does.
DEFAULT_TOOLS = {"FinishTool": "finish", "ThinkTool": "think"}
KNOWN_TOOLS = ("terminal", "file_editor", "task_tracker", "finish", "think")


class AgentContext:
    """Shared by every conversation loop of one server."""

    def __init__(self, log: EventLog, sandboxes: SandboxService, llms: LLMProviders) -> None:
        self.log = log
        self.sandboxes = sandboxes
        self.llms = llms
        self._hosts: dict[str, ToolHost] = {}
        self._metrics: dict[str, UsageMetrics] = {}

    # ----- the event log -----

    async def append(self, cid: UUID | str, event: Event) -> Event:
        return await self.log.append(cid, event)

    async def append_together(self, cid: UUID | str, events: list[Event]) -> None:
        await self.log.append_together(cid, events)

    async def events(self, cid: UUID | str) -> list[Event]:
        return await self.log.all_events(cid)

    async def state(self, cid: UUID | str) -> ConversationState:
        return await self.log.state(cid)

    async def publish_full_state(self, cid: UUID | str) -> None:
        try:
            self.log.publish_transient(cid, await self.log.full_state_event(cid))
        except ConversationNotFound:
            return  # deleted meanwhile: nobody is listening

    # ----- tools -----

    def tool_names(self, agent: dict[str, Any]) -> list[str]:
        names = [str(t.get("name")) for t in agent.get("tools") or [] if isinstance(t, dict)]
        names = [n for n in names if n in KNOWN_TOOLS]
        for default in agent.get("include_default_tools", list(DEFAULT_TOOLS)):
            name = DEFAULT_TOOLS.get(default)
            if name and name not in names:
                names.append(name)
        return names

    def tool_specs(self, agent: dict[str, Any]) -> list[dict[str, Any]]:
        return tool_specs(self.tool_names(agent))

    async def tool_host(self, cid: UUID | str) -> ToolHost:
        key = conversation_key(cid)
        if key not in self._hosts:
            record = await self.log.record(cid)
            runtime = await self.sandboxes.runtime(record.sandbox_id)
            self._hosts[key] = ToolHost(key, runtime, await self.log.secrets(cid))
        return self._hosts[key]

    async def update_secrets(self, cid: UUID | str) -> None:
        host = self._hosts.get(conversation_key(cid))
        if host is not None:
            host.update_secrets(await self.log.secrets(cid))

    async def close_tool_host(self, cid: UUID | str) -> None:
        host = self._hosts.pop(conversation_key(cid), None)
        if host is not None:
            await host.close()

    # ----- the system prompt -----

    async def ensure_system_prompt(self, cid: UUID | str) -> None:
        """The first event of a conversation that runs or gets a message."""
        if any(isinstance(e, SystemPromptEvent) for e in await self.events(cid)):
            return
        state = await self.state(cid)
        names = sorted((await self.log.secret_sources(cid)).keys())
        parts = [secrets_note(names)] if names else []
        skills = skills_context(state.agent.get("agent_context"))
        parts += [skills] if skills else []
        context = TextContent(text="\n\n".join(parts)) if parts else None
        await self.append(
            cid,
            SystemPromptEvent(
                system_prompt=TextContent(text=SYSTEM_PROMPT),
                tools=tool_definitions(self.tool_names(state.agent)),
                dynamic_context=context,
            ),
        )

    # ----- LLM calls -----

    async def complete(
        self, cid: UUID | str, usage_id: str, request: LLMRequest, llm: dict[str, Any] | None = None
    ) -> LLMResponse:
        """Call the conversation's LLM (or `llm`), then record its usage as a `stats` update."""
        state = await self.state(cid)
        config = self.llms.config(llm if llm is not None else state.agent.get("llm"))
        response = await self.llms.provider(config).complete(config, request)
        metrics = self._metrics.get(conversation_key(cid))
        if metrics is None:
            metrics = self._metrics[conversation_key(cid)] = UsageMetrics()
            metrics.load(state.stats)
        metrics.record(usage_id, config.model, response)
        # GAP: updates carry the accumulated figures only, so GET shows no latency or per-call
        # lists; the full lists in every update would grow the log quadratically; closes with
        # a separate metrics store.
        await self.append(cid, ConversationStateUpdateEvent(key="stats", value=metrics.snapshot()))
        return response

    # ----- condensation -----

    async def condense_if_needed(self, cid: UUID | str) -> None:
        config = CondenserConfig.of((await self.state(cid)).agent)
        if config is None:
            return
        events = _json(await self.events(cid))
        if needs_condensation(events, config):
            await self.condense(cid, config)

    async def condense(self, cid: UUID | str, config: CondenserConfig) -> None:
        """Forget the middle of the view and append a Condensation with its summary."""
        events = _json(await self.events(cid))
        forgotten = forgotten_events(events, config)
        if not forgotten:
            return
        request = LLMRequest(messages=summary_request(forgotten))
        llm = config.llm or (await self.state(cid)).agent.get("llm")
        response = await self.complete(cid, "condenser", request, llm=llm)
        await self.append(
            cid,
            Condensation(
                forgotten_event_ids=[e["id"] for e in forgotten],
                summary=response.content,
                summary_offset=config.keep_first,
                llm_response_id=response.id,
            ),
        )
        logger.info("conversation condensed conversation_id=%s forgotten=%d", cid, len(forgotten))

    def forget(self, cid: UUID | str) -> None:
        self._metrics.pop(conversation_key(cid), None)


def _json(events: list[Event]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(e) for e in events]

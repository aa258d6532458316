"""Agent-server conversations of one sandbox: start, read, list, update and delete; agent work
is delegated to the conversation runner."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from ohlocal.errors import BadRequest, ConversationNotFound, InvalidInput
from ohlocal.models.agent import redact_agent
from ohlocal.models.content import text_of
from ohlocal.models.conversation import (
    ConversationExecutionStatus,
    ConversationInfo,
    ConversationPage,
    ConversationRecord,
    ConversationSortOrder,
    JsonObject,
    StartConversationRequest,
    UpdateConversationRequest,
    WorkspaceRequest,
    utc_iso,
)
from ohlocal.models.events import ActionEvent, MessageEvent
from ohlocal.services.conversation_scope import ConversationScope
from ohlocal.services.event_log import LiveConversation, normalise_secrets
from ohlocal.tools.models import FinishAction

if TYPE_CHECKING:
    from ohlocal.services.event_log import EventLog
    from ohlocal.services.runner_api import ConversationRunner
    from ohlocal.services.sandbox_service import SandboxService

logger = logging.getLogger(__name__)

MAX_BATCH = 100


def parse_conversation_id(value: str, loc: str = "conversation_id") -> uuid.UUID:
    """A dashed or hex UUID from a path; 422 (as the reference's UUID parameter) otherwise."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(
            ("path", loc), "Input should be a valid UUID", "uuid_parsing", value
        ) from None


def _updated_at(live: LiveConversation) -> str:
    if live.last_timestamp is None:
        return live.record.updated_at
    last = utc_iso(datetime.fromisoformat(live.last_timestamp).astimezone(UTC))
    return max(last, live.record.updated_at)


# NOTE: the reference reports its local runtime this way on every GET; the create response
# has `runtime_info: null` (recordings).
AVAILABLE_RUNTIME = {"runtime_status": "available", "can_resume": True, "runtime_error": None}
# Tools whose definitions the reference names by module in `tool_module_qualnames`.
QUALIFIED_TOOLS = ("terminal", "file_editor", "task_tracker", "browser_use")


def _tool_module_qualnames(record: ConversationRecord) -> dict[str, str]:
    if record.request.tool_module_qualnames:
        return record.request.tool_module_qualnames
    names = [t.get("name") for t in record.request.agent.get("tools") or [] if isinstance(t, dict)]
    return {n: f"openhands.tools.{n}.definition" for n in names if n in QUALIFIED_TOOLS}


def conversation_info(
    live: LiveConversation, runtime_info: JsonObject | None = AVAILABLE_RUNTIME
) -> ConversationInfo:
    """`ConversationInfo` of a loaded conversation; secrets redacted."""
    state, record = live.state, live.record
    return ConversationInfo(
        id=record.id,
        workspace=state.workspace,
        persistence_dir=state.persistence_dir,
        max_iterations=state.max_iterations,
        stuck_detection=state.stuck_detection,
        execution_status=state.execution_status,
        confirmation_policy=state.confirmation_policy,
        security_analyzer=state.security_analyzer,
        activated_knowledge_skills=state.activated_knowledge_skills,
        invoked_skills=state.invoked_skills,
        blocked_actions=state.blocked_actions,
        blocked_messages=state.blocked_messages,
        last_user_message_id=state.last_user_message_id,
        leaf_event_id=state.leaf_event_id,
        stats=state.stats,
        secret_registry=state.secret_registry,
        agent_state=state.agent_state,
        hook_config=state.hook_config,
        title=record.title,
        created_at=record.created_at,
        updated_at=_updated_at(live),
        tags=record.tags,
        agent=redact_agent(state.agent),
        client_tools=record.request.client_tools,
        tool_module_qualnames=_tool_module_qualnames(record),
        runtime_info=dict(runtime_info) if runtime_info is not None else None,
    )


class ConversationService:
    def __init__(
        self, log: EventLog, sandboxes: SandboxService, runner: ConversationRunner
    ) -> None:
        self._log = log
        self._sandboxes = sandboxes
        self.runner = runner

    async def live(self, sandbox_id: str, conversation_id: str | uuid.UUID) -> LiveConversation:
        """The conversation, when it belongs to this sandbox; ConversationNotFound otherwise."""
        cid = (
            conversation_id
            if isinstance(conversation_id, uuid.UUID)
            else parse_conversation_id(conversation_id)
        )
        live = await self._log.live(cid)
        if live.record.sandbox_id != sandbox_id:
            raise ConversationNotFound(str(cid))
        return live

    async def conversation_scope(
        self, sandbox_id: str, runtime_conversation_id: str
    ) -> ConversationScope:
        """The conversation that a conversation-scoped route names, with its working dir."""
        cid = parse_conversation_id(runtime_conversation_id, "runtime_conversation_id")
        live = await self.live(sandbox_id, cid)
        return ConversationScope(
            sandbox_id=sandbox_id,
            conversation_id=live.record.id,
            working_dir=live.state.workspace.working_dir,
        )

    async def start_conversation(
        self, sandbox_id: str, request: StartConversationRequest
    ) -> ConversationInfo:
        """Create the conversation (or return the existing one with the requested id)."""
        runtime = await self._sandboxes.runtime(sandbox_id)
        cid = (
            parse_conversation_id(request.conversation_id, "conversation_id")
            if request.conversation_id
            else uuid.uuid4()
        )
        if await self._log.exists(cid):
            return conversation_info(await self.live(sandbox_id, cid))

        secrets = normalise_secrets(request.secrets)
        stored = msgspec.structs.replace(
            request,
            secrets={},
            initial_message=None,
            workspace=WorkspaceRequest(
                working_dir=request.workspace.working_dir or runtime.working_dir,
                kind=request.workspace.kind,
            ),
        )
        now = utc_iso()
        record = ConversationRecord(
            id=str(cid),
            sandbox_id=sandbox_id,
            request=stored,
            tags=dict(request.tags),
            created_at=now,
            updated_at=now,
        )
        await self._log.create(record, secrets)
        logger.info("conversation started conversation_id=%s sandbox_id=%s", cid, sandbox_id)

        await self.runner.on_created(cid, request.initial_message)
        return conversation_info(await self._log.live(cid), runtime_info=None)

    async def get_conversation(self, sandbox_id: str, conversation_id: str) -> ConversationInfo:
        return conversation_info(await self.live(sandbox_id, conversation_id))

    async def batch_get_conversations(
        self, sandbox_id: str, ids: list[str]
    ) -> list[ConversationInfo | None]:
        if len(ids) > MAX_BATCH:
            raise BadRequest(f"Too many conversation ids: {len(ids)}. Maximum is {MAX_BATCH}")
        found: list[ConversationInfo | None] = []
        for value in ids:
            try:
                found.append(await self.get_conversation(sandbox_id, value))
            except (ConversationNotFound, InvalidInput):
                found.append(None)
        return found

    async def _matching(
        self, sandbox_id: str, status: ConversationExecutionStatus | None, order: str
    ) -> list[LiveConversation]:
        records = await self._log.conversations.search(sandbox_id, order, 0, 1_000_000)
        lives = [await self._log.live(record.id) for record in records]
        if order.startswith("UPDATED_AT"):
            lives.sort(key=_updated_at, reverse=order.endswith("_DESC"))
        return [c for c in lives if status is None or c.state.execution_status is status]

    async def search_conversations(
        self,
        sandbox_id: str,
        status: ConversationExecutionStatus | None,
        sort_order: ConversationSortOrder,
        page_id: str | None,
        limit: int,
    ) -> ConversationPage:
        """A page of conversations; `next_page_id` is the hex id of the next page's first."""
        lives = await self._matching(sandbox_id, status, sort_order.value)
        start = 0
        if page_id:
            hexes = [live.record.id.replace("-", "") for live in lives]
            start = (
                hexes.index(page_id.replace("-", ""))
                if page_id.replace("-", "") in hexes
                else len(lives)
            )
        page = lives[start : start + limit]
        following = lives[start + limit : start + limit + 1]
        return ConversationPage(
            items=[conversation_info(live) for live in page],
            next_page_id=following[0].record.id.replace("-", "") if following else None,
        )

    async def count_conversations(
        self, sandbox_id: str, status: ConversationExecutionStatus | None
    ) -> int:
        return len(await self._matching(sandbox_id, status, "CREATED_AT"))

    async def update_conversation(
        self, sandbox_id: str, conversation_id: str, request: UpdateConversationRequest
    ) -> None:
        live = await self.live(sandbox_id, conversation_id)
        title = live.record.title if request.title is msgspec.UNSET else request.title
        tags = None if request.tags is msgspec.UNSET else (request.tags or {})
        await self._log.update(live.record.id, title=title, tags=tags)

    async def delete_conversation(self, sandbox_id: str, conversation_id: str) -> None:
        """Stop the conversation's agent work, then delete it with its events and secrets."""
        live = await self.live(sandbox_id, conversation_id)
        await self.runner.delete(uuid.UUID(live.record.id))
        await self._log.delete(live.record.id)
        logger.info("conversation deleted conversation_id=%s", live.record.id)

    async def agent_final_response(self, sandbox_id: str, conversation_id: str) -> str:
        """The finish message or last agent message after the last user message; "" if none."""
        live = await self.live(sandbox_id, conversation_id)
        for event in reversed(await self._log.all_events(live.record.id)):
            if isinstance(event, MessageEvent) and event.source == "user":
                return ""
            if isinstance(event, MessageEvent) and event.source == "agent":
                return text_of(event.llm_message.content)
            if isinstance(event, ActionEvent) and isinstance(event.action, FinishAction):
                return event.action.message
        return ""

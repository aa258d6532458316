"""App conversations: their view (sandbox status, execution status, URLs), search, count,
batch get, update, delete, messages, and what they hold (skills, hooks, files, git)."""

from __future__ import annotations

import logging
import posixpath
import uuid
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from ohlocal.containers.base import sandbox_layout
from ohlocal.errors import (
    AppConversationNotFound,
    AppConversationSandboxFailed,
    AppConversationSandboxMissing,
    AppConversationSandboxNotRunning,
    BadRequest,
    ConversationNotFound,
    SandboxNotFound,
)
from ohlocal.models.app_conversation import (
    AppConversation,
    AppConversationPage,
    AppConversationRecord,
    AppConversationUpdateRequest,
    AppSendMessageRequest,
    AppSendMessageResponse,
    HooksResponse,
    SkillsResponse,
)
from ohlocal.models.conversation import SendMessageRequest, utc_iso
from ohlocal.models.sandbox import SandboxRecord, SandboxStatus
from ohlocal.services.app_conversation_builder import default_title
from ohlocal.services.paging import next_page_id, page_offset
from ohlocal.services.skills import skill_info

if TYPE_CHECKING:
    from pathlib import Path

    from ohlocal.models.git import GitChange, GitDiff
    from ohlocal.services.event_log import EventLog, LiveConversation
    from ohlocal.services.git_service import GitService
    from ohlocal.services.runner_api import ConversationRunner
    from ohlocal.services.sandbox_service import SandboxService
    from ohlocal.store.app_conversation_store import AppConversationFilter, AppConversationStore

logger = logging.getLogger(__name__)

# NOTE: the reference rejects 100 ids or more here ("Maximum is 99"), though other batch
# routes take 100.
MAX_BATCH = 99
MAX_FILE_BYTES = 10 * 1024 * 1024
_TOKEN_SUMS = ("prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens")


def conversation_hex(value: str) -> str:
    """A dashed or hex id as hex; 400 with the reference's detail otherwise."""
    try:
        return uuid.UUID(value).hex
    except ValueError:
        raise BadRequest("Invalid conversation ID format") from None


def metrics_of(stats: dict[str, Any]) -> dict[str, Any]:
    """The reference's `MetricsSnapshot`: every usage's figures added up."""
    usage: dict[str, Any] = {"model": "", **dict.fromkeys(_TOKEN_SUMS, 0), "reasoning_tokens": 0}
    usage.update(context_window=0, per_turn_token=0, response_id="")
    cost = 0.0
    for metrics in (stats.get("usage_to_metrics") or {}).values():
        cost += float(metrics.get("accumulated_cost") or 0.0)
        tokens = metrics.get("accumulated_token_usage") or {}
        for name in (*_TOKEN_SUMS, "reasoning_tokens"):
            usage[name] += int(tokens.get(name) or 0)
        usage["per_turn_token"] = max(
            usage["per_turn_token"], int(tokens.get("per_turn_token") or 0)
        )
    return {
        "model_name": "default",
        "accumulated_cost": cost,
        "max_budget_per_task": None,
        "accumulated_token_usage": usage,
    }


class AppConversationService:
    def __init__(
        self,
        store: AppConversationStore,
        sandboxes: SandboxService,
        log: EventLog,
        runner: ConversationRunner,
        git: GitService,
        home: Path,
    ) -> None:
        self._store = store
        self._sandboxes = sandboxes
        self._log = log
        self._runner = runner
        self._git = git
        self._home = home

    # ----- views -----

    async def _sandbox(self, sandbox_id: str) -> SandboxRecord | None:
        try:
            return await self._sandboxes.get_record(sandbox_id)
        except SandboxNotFound:
            return None

    async def live(self, conversation_hex: str) -> LiveConversation | None:
        try:
            return await self._log.live(uuid.UUID(conversation_hex))
        except ConversationNotFound:
            return None

    async def _sync_title(self, record: AppConversationRecord, live: LiveConversation) -> None:
        """Take the generated title of the agent-server conversation while ours is the
        placeholder (the reference's SetTitleCallbackProcessor)."""
        if record.title == default_title(record.id) and live.record.title:
            record.title = live.record.title
            await self._store.update(record)

    async def view(self, record: AppConversationRecord) -> AppConversation:
        sandbox = await self._sandbox(record.sandbox_id)
        status = sandbox.status if sandbox else SandboxStatus.MISSING
        running = sandbox is not None and status is SandboxStatus.RUNNING
        live = await self.live(record.id)
        if live is not None:
            await self._sync_title(record, live)
        url = self._sandboxes.agent_server_url(record.sandbox_id)
        fields = msgspec.structs.asdict(record)
        fields.pop("working_dir")
        return AppConversation(
            **fields,
            metrics=metrics_of(live.state.stats) if live else None,
            tags=dict(live.record.tags) if live else {},
            sandbox_status=status,
            execution_status=live.state.execution_status if running and live else None,
            conversation_url=f"{url}/api/conversations/{record.id}" if running else None,
            session_api_key=sandbox.session_api_key if running and sandbox else None,
        )

    async def get_record(self, conversation_hex: str, message: str) -> AppConversationRecord:
        record = await self._store.get(conversation_hex)
        if record is None:
            raise AppConversationNotFound(conversation_hex, message)
        return record

    # ----- search -----

    async def search_app_conversations(
        self, flt: AppConversationFilter, page_id: str | None, limit: int
    ) -> AppConversationPage:
        """Newest first; `next_page_id` is the next offset, as the reference pages."""
        offset = page_offset(page_id)
        records = await self._store.search(flt, offset, limit + 1)
        items = [await self.view(record) for record in records[:limit]]
        has_more = len(records) > limit
        return AppConversationPage(
            items=items, next_page_id=next_page_id(offset, limit, len(items), has_more)
        )

    async def count_app_conversations(self, flt: AppConversationFilter) -> int:
        return await self._store.count(flt)

    async def batch_get_app_conversations(self, ids: list[str]) -> list[AppConversation | None]:
        if len(ids) > MAX_BATCH:
            raise BadRequest(f"Too many ids requested: {len(ids)}. Maximum is {MAX_BATCH}")
        keys: list[str] = []
        bad: list[str] = []
        for value in ids:
            try:
                keys.append(uuid.UUID(value).hex)
            except ValueError:
                bad.append(value)
        if bad:
            raise BadRequest(f"Invalid UUID format for ids: {bad!r}")
        found = await self._store.batch_get(keys)
        return [await self.view(found[key]) if key in found else None for key in keys]

    # ----- changes -----

    async def update_app_conversation(
        self, conversation_id: str, request: AppConversationUpdateRequest
    ) -> AppConversation:
        # NOTE: the reference's 404 detail for PATCH is this fixed code.
        record = await self.get_record(
            conversation_hex(conversation_id), "unknown_app_conversation"
        )
        for name in AppConversationUpdateRequest.__struct_fields__:
            value = getattr(request, name)
            if value is not msgspec.UNSET:
                setattr(record, name, value)
        record.updated_at = utc_iso()
        await self._store.update(record)
        if request.title is not msgspec.UNSET and (live := await self.live(record.id)):
            await self._log.set_title(live.record.id, request.title)
        return await self.view(record)

    async def delete_app_conversation(self, conversation_id: str) -> None:
        """Stop the agent's work and forget the app conversation. Its events stay readable
        through the event routes, as the reference's do."""
        key = conversation_hex(conversation_id)
        await self.get_record(key, "Conversation not found")
        # GAP: the agent-server conversation stays (it owns the events the reference keeps
        # readable after a delete); docs/compatibility.md (app conversations).
        if await self.live(key) is not None:
            await self._runner.delete(uuid.UUID(key))
        await self._store.delete(key)
        logger.info("app conversation deleted conversation_id=%s", key)

    async def send_message(
        self, conversation_id: uuid.UUID, request: AppSendMessageRequest
    ) -> AppSendMessageResponse:
        """Send a user message when the sandbox runs: 409 when it does not, 410 when it is
        gone, 503 when it failed."""
        key = conversation_id.hex
        record = await self.get_record(key, f"Conversation not found: {conversation_id}")
        sandbox = await self._sandbox(record.sandbox_id)
        status = sandbox.status if sandbox else SandboxStatus.MISSING
        if status is SandboxStatus.MISSING:
            raise AppConversationSandboxMissing(key)
        if status is SandboxStatus.ERROR:
            raise AppConversationSandboxFailed(key)
        if status is not SandboxStatus.RUNNING:
            raise AppConversationSandboxNotRunning(key, status.value)
        message = SendMessageRequest(role="user", content=list(request.content), run=request.run)
        await self._runner.send_message(conversation_id, message)
        record.updated_at = utc_iso()
        await self._store.update(record)
        return AppSendMessageResponse(success=True, sandbox_status=status)

    # ----- what a conversation holds -----

    async def _existing(self, conversation_id: uuid.UUID) -> AppConversationRecord:
        return await self.get_record(
            conversation_id.hex, f"Conversation {conversation_id} not found"
        )

    async def get_skills(self, conversation_id: uuid.UUID) -> SkillsResponse:
        """The skills loaded into the agent's context."""
        record = await self._existing(conversation_id)
        live = await self.live(record.id)
        context = (live.state.agent.get("agent_context") if live else None) or {}
        return SkillsResponse(skills=[skill_info(s) for s in context.get("skills") or []])

    async def get_hooks(self, conversation_id: uuid.UUID) -> HooksResponse:
        record = await self._existing(conversation_id)
        live = await self.live(record.id)
        config = (live.state.hook_config if live else None) or {}
        hooks = [{"event_type": event, "matchers": matchers} for event, matchers in config.items()]
        return HooksResponse(hooks=hooks)

    async def read_file(self, conversation_id: uuid.UUID, file_path: str) -> str:
        """A workspace file's text; "" when it is missing, outside the workspace or binary.
        Read from the host, so it works in any sandbox status, deleted included."""
        record = await self._existing(conversation_id)
        host = self._workspace_path(record, file_path)
        if host is None:
            return ""
        return await anyio.to_thread.run_sync(_read_text, host)

    def _workspace_path(self, record: AppConversationRecord, file_path: str) -> Path | None:
        root = sandbox_layout(self._home, record.sandbox_id).workspace
        normal = posixpath.normpath(posixpath.join(record.working_dir, file_path))
        base = posixpath.normpath(record.working_dir)
        if normal != base and not normal.startswith(base.rstrip("/") + "/"):
            return None
        host = (root / posixpath.relpath(normal, base)).resolve()
        return host if host.is_relative_to(root.resolve()) else None

    async def git_changes(
        self, conversation_id: uuid.UUID, path: str, ref: str | None
    ) -> list[GitChange]:
        record = await self._existing(conversation_id)
        return await self._git.git_changes(record.sandbox_id, path, ref)

    async def git_diff(self, conversation_id: uuid.UUID, path: str, ref: str | None) -> GitDiff:
        record = await self._existing(conversation_id)
        return await self._git.git_diff(record.sandbox_id, path, ref, None)


def _read_text(host: Path) -> str:
    try:
        if not host.is_file() or host.stat().st_size > MAX_FILE_BYTES:
            return ""
        return host.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""

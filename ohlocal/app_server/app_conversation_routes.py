"""`/api/v1/app-conversations`: start (and stream the start of) app conversations, list, get,
update and delete them, send them messages, and read what they hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, MediaType, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from ohlocal.app_server.params import PAGE_ID_HELP
from ohlocal.models.app_conversation import (
    AppConversation,
    AppConversationPage,
    AppConversationStartRequest,
    AppConversationStartTask,
    AppConversationUpdateRequest,
    AppSendMessageRequest,
    AppSendMessageResponse,
    HooksResponse,
    SkillsResponse,
)
from ohlocal.models.base import Success
from ohlocal.models.conversation import utc_iso
from ohlocal.models.git import GitChange, GitDiff
from ohlocal.services.app_conversation_service import AppConversationService
from ohlocal.services.app_event_service import AppEventService
from ohlocal.services.conversation_service import parse_conversation_id
from ohlocal.services.start_task_service import StartTaskService
from ohlocal.store.app_conversation_store import AppConversationFilter

# NOTE: the reference's default, the frontend's plan file.
DEFAULT_FILE_PATH = "/workspace/project/PLAN.md"
NO_CACHE = {"cache-control": "no-cache, no-store, must-revalidate, max-age=0"}


def _bound(moment: datetime | None) -> str | None:
    """A filter bound in the stored form; naive values are taken as UTC."""
    if moment is None:
        return None
    return utc_iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def provide_app_conversation_filter(
    title__contains: FromQuery[str | None] = None,
    created_at__gte: FromQuery[datetime | None] = None,
    created_at__lt: FromQuery[datetime | None] = None,
    updated_at__gte: FromQuery[datetime | None] = None,
    updated_at__lt: FromQuery[datetime | None] = None,
    sandbox_id__eq: FromQuery[str | None] = None,
) -> AppConversationFilter:
    """The search and count filters, from their query parameters."""
    return AppConversationFilter(
        title_contains=title__contains,
        created_at_gte=_bound(created_at__gte),
        created_at_lt=_bound(created_at__lt),
        updated_at_gte=_bound(updated_at__gte),
        updated_at_lt=_bound(updated_at__lt),
        sandbox_id=sandbox_id__eq,
    )


class AppConversationController(Controller):
    path = "/api/v1/app-conversations"
    tags = ["App Conversations"]
    dependencies = {
        "app_conversation_filter": Provide(provide_app_conversation_filter, sync_to_thread=False)
    }

    @get("/search")
    async def search_app_conversations(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        app_conversation_filter: NamedDependency[AppConversationFilter],
        page_id: Annotated[str | None, QueryParameter(description=PAGE_ID_HELP)] = None,
        limit: Annotated[int, QueryParameter(gt=0, le=100)] = 100,
        include_sub_conversations: FromQuery[bool] = False,
    ) -> AppConversationPage:
        """List app conversations, newest first."""
        return await app_conversation_service.search_app_conversations(
            app_conversation_filter, page_id, limit
        )

    @get("/count")
    async def count_app_conversations(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        app_conversation_filter: NamedDependency[AppConversationFilter],
    ) -> int:
        """How many app conversations match the filters."""
        return await app_conversation_service.count_app_conversations(app_conversation_filter)

    @get("/")
    async def batch_get_app_conversations(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        ids: FromQuery[list[str]],
    ) -> list[AppConversation | None]:
        """Get up to 99 app conversations by id (dashed or hex); null where an id is unknown."""
        return await app_conversation_service.batch_get_app_conversations(ids)

    @post("/", status_code=200)
    async def start_app_conversation(
        self,
        start_task_service: NamedDependency[StartTaskService],
        data: JSONBody[AppConversationStartRequest],
    ) -> AppConversationStartTask:
        """Start an app conversation; answers its start task at once (status WORKING)."""
        return await start_task_service.start_app_conversation(data)

    @post("/stream-start", status_code=200, media_type=MediaType.JSON)
    async def stream_app_conversation_start(
        self,
        start_task_service: NamedDependency[StartTaskService],
        data: JSONBody[AppConversationStartRequest],
    ) -> Stream:
        """Start an app conversation and stream its start task at each status (a JSON array)."""
        pieces = start_task_service.stream_app_conversation_start(data)
        return Stream(pieces, media_type=MediaType.JSON, headers=NO_CACHE)

    @patch("/{conversation_id:str}")
    async def update_app_conversation(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
        data: JSONBody[AppConversationUpdateRequest],
    ) -> AppConversation:
        """Change the title, visibility or repository of an app conversation."""
        return await app_conversation_service.update_app_conversation(conversation_id, data)

    @delete("/{conversation_id:str}", status_code=200)
    async def delete_app_conversation(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
    ) -> Success:
        """Delete an app conversation; its sandbox and events are kept."""
        await app_conversation_service.delete_app_conversation(conversation_id)
        return Success()

    @post("/{conversation_id:str}/send-message", status_code=200)
    async def send_message_to_conversation(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
        data: JSONBody[AppSendMessageRequest],
    ) -> AppSendMessageResponse:
        """Send a user message; 409 unless the sandbox runs, 410 when it is gone."""
        cid = parse_conversation_id(conversation_id)
        return await app_conversation_service.send_message(cid, data)

    @get("/{conversation_id:str}/skills")
    async def get_conversation_skills(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
    ) -> SkillsResponse:
        """The skills loaded into the conversation's agent."""
        cid = parse_conversation_id(conversation_id)
        return await app_conversation_service.get_skills(cid)

    @get("/{conversation_id:str}/hooks")
    async def get_conversation_hooks(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
    ) -> HooksResponse:
        """The hooks configured for the conversation."""
        cid = parse_conversation_id(conversation_id)
        return await app_conversation_service.get_hooks(cid)

    @get("/{conversation_id:str}/file", media_type=MediaType.JSON)
    async def read_conversation_file(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
        file_path: FromQuery[str] = DEFAULT_FILE_PATH,
    ) -> bytes:
        """A workspace file's text as a JSON string; "" when it does not exist."""
        cid = parse_conversation_id(conversation_id)
        text = await app_conversation_service.read_file(cid, file_path)
        return msgspec.json.encode(text)

    @get("/{conversation_id:str}/git/changes")
    async def get_conversation_git_changes(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
        path: FromQuery[str],
        ref: FromQuery[str | None] = None,
    ) -> list[GitChange]:
        """Files changed in the repository at `path` of the conversation's workspace."""
        cid = parse_conversation_id(conversation_id)
        return await app_conversation_service.git_changes(cid, path, ref)

    @get("/{conversation_id:str}/git/diff")
    async def get_conversation_git_diff(
        self,
        app_conversation_service: NamedDependency[AppConversationService],
        conversation_id: FromPath[str],
        path: FromQuery[str],
        ref: FromQuery[str | None] = None,
    ) -> GitDiff:
        """A file's text before and after the changes."""
        cid = parse_conversation_id(conversation_id)
        return await app_conversation_service.git_diff(cid, path, ref)

    @get("/{conversation_id:str}/download")
    async def export_conversation(
        self,
        app_event_service: NamedDependency[AppEventService],
        conversation_id: FromPath[str],
    ) -> Response[bytes]:
        """A zip of the conversation: `meta.json` and one JSON file per event."""
        export = await app_event_service.export_conversation(parse_conversation_id(conversation_id))
        disposition = f'attachment; filename="{export.filename}"'
        return Response(
            export.data, media_type="application/zip", headers={"Content-Disposition": disposition}
        )

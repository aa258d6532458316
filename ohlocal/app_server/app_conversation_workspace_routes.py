"""`/api/v1/app-conversations/{conversation_id}/trajectory|workspace|files`: what an app
conversation holds, served without its sandbox (paused or deleted). An ohlocal addition."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Stream

from ohlocal.download_response import OCTET_STREAM, download_response
from ohlocal.models.workspace import WorkspaceEntry
from ohlocal.services.app_workspace_service import AppWorkspaceService
from ohlocal.services.conversation_service import parse_conversation_id

ZIP = "application/zip"
DirectoryPath = Annotated[
    str | None, QueryParameter(description="Absolute directory path (default: working dir)")
]


class AppConversationWorkspaceController(Controller):
    path = "/api/v1/app-conversations"
    tags = ["App Conversations"]

    @get("/{conversation_id:str}/trajectory", media_type=OCTET_STREAM)
    async def download_app_conversation_trajectory(
        self,
        app_workspace_service: NamedDependency[AppWorkspaceService],
        conversation_id: FromPath[str],
    ) -> Stream:
        """The trajectory zip (`base_state.json`, `events/`), in any sandbox status."""
        cid = parse_conversation_id(conversation_id)
        return download_response(await app_workspace_service.download_trajectory(cid))

    @get("/{conversation_id:str}/workspace", media_type=ZIP)
    async def download_app_conversation_workspace(
        self,
        app_workspace_service: NamedDependency[AppWorkspaceService],
        conversation_id: FromPath[str],
        include_git: FromQuery[bool] = False,
    ) -> Stream:
        """A zip of the conversation's workspace, without `.git` unless `include_git`."""
        cid = parse_conversation_id(conversation_id)
        download = await app_workspace_service.download_workspace(cid, include_git)
        return download_response(download, ZIP)

    @get("/{conversation_id:str}/files")
    async def list_app_conversation_files(
        self,
        app_workspace_service: NamedDependency[AppWorkspaceService],
        conversation_id: FromPath[str],
        path: FromQuery[DirectoryPath] = None,
    ) -> list[WorkspaceEntry]:
        """The entries of a directory in the conversation's workspace."""
        cid = parse_conversation_id(conversation_id)
        return await app_workspace_service.list_files(cid, path)

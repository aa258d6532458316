"""`{AGENT_SERVER}/api/file` and `/api/conversations/{runtime_conversation_id}/file`: upload,
download, create directories, archive the workspace and download trajectories."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, Parameter
from litestar.response import Stream

from ohlocal.agent_server.conversation_scope import SCOPE_PREFIX, resolve_conversation_scope
from ohlocal.agent_server.dependencies import FILES
from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.download_response import download_response
from ohlocal.models.base import Success
from ohlocal.models.file import ArchiveFormat, FileUploadResult
from ohlocal.services.archive_service import ArchiveService
from ohlocal.services.conversation_service import parse_conversation_id
from ohlocal.services.file_service import FileService
from ohlocal.services.multipart import boundary_of
from ohlocal.services.trajectory_service import TrajectoryService

PathQuery = Annotated[str, Parameter(description="Absolute path in the sandbox")]
AnyRequest = Request[Any, Any, Any]


class FileController(Controller):
    path = AGENT_PREFIX + "/api/file"
    tags = ["Files"]
    dependencies = FILES

    # NOTE: no body size limit here: the upload streams to disk in constant memory.
    @post("/upload", status_code=200, request_max_body_size=None)
    async def upload_file(
        self,
        file_service: NamedDependency[FileService],
        sandbox_id: FromPath[str],
        path: FromQuery[PathQuery],
        request: AnyRequest,
    ) -> FileUploadResult:
        """Upload the multipart field `file` to an absolute path, creating parent folders."""
        boundary = boundary_of(request.headers.get("content-type"))
        return await file_service.upload_file(sandbox_id, path, boundary, request.stream())

    # NOTE: the path forms below are not in the 1.58.2 schema; older agent servers and their
    # clients used them, and they cost nothing to keep.
    @post("/upload/{file_path:path}", status_code=200, request_max_body_size=None)
    async def upload_file_by_path(
        self,
        file_service: NamedDependency[FileService],
        sandbox_id: FromPath[str],
        file_path: FromPath[str],
        request: AnyRequest,
    ) -> FileUploadResult:
        """Upload the multipart field `file` to the absolute path in the URL."""
        boundary = boundary_of(request.headers.get("content-type"))
        return await file_service.upload_file(sandbox_id, file_path, boundary, request.stream())

    @get("/download", media_type="application/octet-stream")
    async def download_file(
        self,
        file_service: NamedDependency[FileService],
        sandbox_id: FromPath[str],
        path: FromQuery[PathQuery],
    ) -> Stream:
        """Download a file's raw bytes."""
        return download_response(await file_service.open_download(sandbox_id, path))

    @get("/download/{file_path:path}", media_type="application/octet-stream")
    async def download_file_by_path(
        self,
        file_service: NamedDependency[FileService],
        sandbox_id: FromPath[str],
        file_path: FromPath[str],
    ) -> Stream:
        """Download the raw bytes of the file at the absolute path in the URL."""
        return download_response(await file_service.open_download(sandbox_id, file_path))

    @post("/create_directory", status_code=200)
    async def create_directory(
        self,
        file_service: NamedDependency[FileService],
        sandbox_id: FromPath[str],
        path: FromQuery[PathQuery],
    ) -> Success:
        """Create a directory and any missing parents; an existing directory is fine."""
        await file_service.create_directory(sandbox_id, path)
        return Success()

    @get("/archive", media_type="application/octet-stream")
    async def archive_directory(
        self,
        archive_service: NamedDependency[ArchiveService],
        sandbox_id: FromPath[str],
        path: FromQuery[PathQuery],
        format: FromQuery[ArchiveFormat] = ArchiveFormat.GIT_DELTA,
        base_ref: FromQuery[str | None] = None,
        use_default_excludes: FromQuery[bool] = True,
        exclude: FromQuery[list[str] | None] = None,
    ) -> Stream:
        """Archive a directory: a git patch of its changes, or a tar.gz of its files."""
        download = await archive_service.archive_directory(
            sandbox_id, path, format, base_ref, use_default_excludes, exclude or []
        )
        return download_response(download)

    @get("/download-trajectory/{conversation_id:str}", media_type="application/octet-stream")
    async def download_trajectory(
        self,
        trajectory_service: NamedDependency[TrajectoryService],
        sandbox_id: FromPath[str],
        conversation_id: FromPath[str],
    ) -> Stream:
        """A zip of the conversation: `base_state.json` and one JSON file per event."""
        cid = parse_conversation_id(conversation_id)
        return download_response(await trajectory_service.download_trajectory(cid, sandbox_id))


class ConversationFileController(FileController):
    """The same routes for one conversation; every path must lie in its workspace, and a
    trajectory must be the conversation's own."""

    path = SCOPE_PREFIX + "/file"
    before_request = staticmethod(resolve_conversation_scope)

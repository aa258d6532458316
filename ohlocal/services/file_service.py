"""Files of a sandbox: upload, download and create directories.

Paths are absolute paths inside the sandbox. Those in the workspace are read and written on the
host through the bind mount, so they work while the sandbox is paused; other paths go through
the sandbox's helper, which needs a RUNNING sandbox.
"""

from __future__ import annotations

import base64
import logging
import os
import posixpath
import shlex
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import anyio
import anyio.to_thread

from ohlocal.errors import BadRequest, PathEscapes, PathNotAllowed, WorkspaceFileNotFound
from ohlocal.models.file import FileUploadResult
from ohlocal.services.multipart import read_field

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator

    from ohlocal.containers.shim_client import ShimConnection
    from ohlocal.services.sandbox_service import SandboxRuntime, SandboxService

logger = logging.getLogger(__name__)

# Bytes per read or write on the host: large enough for disk speed, small enough for memory.
IO_CHUNK = 1024 * 1024
# Bytes per helper message for paths outside the workspace (sent base64-encoded).
SHIM_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Download:
    """A file ready to stream: its name, its size and its bytes."""

    name: str
    size: int
    chunks: AsyncIterator[bytes]


def new_temp_file(tmp_dir: Path, suffix: str) -> Path:
    """An empty file in `tmp_dir` (created when missing), for an archive being built."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=suffix)
    os.close(fd)
    return Path(name)


async def temp_file_download(name: str, target: Path) -> Download:
    """Stream the finished temporary file `target` as `name`; it is removed once streamed
    (or at once when it cannot be opened)."""
    try:
        handle = await anyio.to_thread.run_sync(open, target, "rb")
    except BaseException:
        await anyio.Path(target).unlink(missing_ok=True)
        raise
    size = os.fstat(handle.fileno()).st_size
    return Download(name=name, size=size, chunks=_stream_then_remove(handle, target))


async def _stream_then_remove(handle: BinaryIO, target: Path) -> AsyncIterator[bytes]:
    try:
        async for chunk in _read_chunks(handle):
            yield chunk
    finally:
        await anyio.Path(target).unlink(missing_ok=True)


def check_sandbox_path(path: str) -> str:
    """`path` if it is absolute and free of `..`; PathNotAllowed otherwise."""
    if not path.startswith("/"):
        raise PathNotAllowed(path, "Path must be absolute")
    if ".." in path.split("/"):
        raise PathNotAllowed(path, "Path must not contain '..'")
    return posixpath.normpath(path)


def host_path_in(workspace: Path, working_dir: str, sandbox_path: str) -> Path | None:
    """The host path of `sandbox_path` when it lies in the workspace bind-mounted from
    `workspace` at `working_dir` (after normalising `..`); None when it lies elsewhere."""
    normal = posixpath.normpath(sandbox_path)
    root = posixpath.normpath(working_dir)
    if normal == root:
        return workspace
    if not normal.startswith(root.rstrip("/") + "/"):
        return None
    return workspace / posixpath.relpath(normal, root)


def resolve_workspace_path(workspace: Path, working_dir: str, path: str) -> Path | None:
    """The real host path of sandbox path `path` when it lies in the workspace, with its
    symlinks resolved; None when it lies elsewhere in the sandbox.

    Raises:
        PathNotAllowed: `path` is relative or holds `..`.
        PathEscapes: its symlinks lead out of the workspace.
    """
    host = host_path_in(workspace, working_dir, check_sandbox_path(path))
    if host is None:
        return None
    root = workspace.resolve()
    real = host.resolve()
    # GAP: a symlink whose target is an absolute sandbox path (/workspace/x) resolves on the
    # host and is refused; mapping link targets through host_path would follow it.
    if real != root and root not in real.parents:
        raise PathEscapes(path, "Path leads out of the workspace")
    return real


def resolve_in_workspace(runtime: SandboxRuntime, path: str) -> Path | None:
    """`resolve_workspace_path` in a sandbox's workspace."""
    return resolve_workspace_path(runtime.layout.workspace, runtime.working_dir, path)


class FileService:
    def __init__(self, sandboxes: SandboxService, staging_dir: Path) -> None:
        self._sandboxes = sandboxes
        # NOTE: uploads are written here and renamed into place, so a crash mid-upload leaves
        # nothing in the workspace; it lies in the home, on the workspaces' file system.
        self._staging = staging_dir

    def clear_staging(self) -> None:
        """Remove what uploads cut short by a crash left behind (called at start-up)."""
        self._staging.mkdir(parents=True, exist_ok=True)
        for stale in self._staging.iterdir():
            logger.warning("partial upload removed path=%s", stale.name)
            stale.unlink(missing_ok=True)

    async def _runtime(self, sandbox_id: str, path: str) -> tuple[SandboxRuntime, Path | None]:
        """The runtime and the host path; a path outside the workspace needs RUNNING."""
        runtime = await self._sandboxes.workspace_runtime(sandbox_id)
        host = resolve_in_workspace(runtime, path)
        if host is None:
            runtime = await self._sandboxes.runtime(sandbox_id)
        return runtime, host

    # ----- upload -----

    async def upload_file(
        self, sandbox_id: str, path: str, boundary: bytes, body: AsyncIterable[bytes]
    ) -> FileUploadResult:
        """Write the multipart field `file` of `body` to `path`, creating parent folders."""
        runtime, host = await self._runtime(sandbox_id, path)
        if host is None:
            size = await _upload_through_shim(runtime, path, boundary, body)
        else:
            size = await _upload_to_host(host, path, boundary, body, self._staging)
        logger.debug("file uploaded sandbox_id=%s path=%s size=%s", sandbox_id, path, size)
        return FileUploadResult(file_size=size)

    # ----- download -----

    async def open_download(self, sandbox_id: str, path: str) -> Download:
        """Open `path` for streaming; WorkspaceFileNotFound when it is not a regular file."""
        runtime, host = await self._runtime(sandbox_id, path)
        name = posixpath.basename(path.rstrip("/")) or "download"
        if host is None:
            return await _download_through_shim(runtime, path, name)
        try:
            handle = await anyio.to_thread.run_sync(_open_regular, host)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise WorkspaceFileNotFound(path) from exc
        size = os.fstat(handle.fileno()).st_size
        return Download(name=name, size=size, chunks=_read_chunks(handle))

    # ----- directories -----

    async def create_directory(self, sandbox_id: str, path: str) -> None:
        """mkdir -p; an existing directory is fine, an existing file is a 400."""
        runtime, host = await self._runtime(sandbox_id, path)
        if host is not None:
            try:
                await anyio.to_thread.run_sync(lambda: host.mkdir(parents=True, exist_ok=True))
            except (FileExistsError, NotADirectoryError) as exc:
                raise BadRequest(f"Cannot create directory, a file is in the way: {path}") from exc
            return
        code, _, err = await runtime.shim.exec(f"mkdir -p -- {shlex.quote(path)}")
        if code != 0:
            raise BadRequest(f"Cannot create directory {path}: {err.strip()}")


def _open_regular(host: Path) -> BinaryIO:
    handle = open(host, "rb")  # noqa: SIM115 - closed by _read_chunks
    if not os.path.isfile(host):
        handle.close()
        raise IsADirectoryError(str(host))
    return handle


async def _read_chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, IO_CHUNK):
            yield chunk
    finally:
        handle.close()


async def _upload_to_host(
    host: Path, path: str, boundary: bytes, body: AsyncIterable[bytes], staging: Path
) -> int:
    if await anyio.Path(host).is_dir():
        raise BadRequest(f"Cannot upload over a directory: {path}")
    await anyio.to_thread.run_sync(lambda: host.parent.mkdir(parents=True, exist_ok=True))
    await anyio.to_thread.run_sync(lambda: staging.mkdir(parents=True, exist_ok=True))
    partial = staging / f"{uuid.uuid4().hex}.upload"
    handle = await anyio.to_thread.run_sync(open, partial, "wb")
    pending: list[bytes] = []
    pending_size = 0

    async def sink(piece: bytes) -> None:
        nonlocal pending_size
        pending.append(piece)
        pending_size += len(piece)
        if pending_size >= IO_CHUNK:
            await _write_pending()

    async def _write_pending() -> None:
        nonlocal pending_size
        data = b"".join(pending)
        pending.clear()
        pending_size = 0
        await anyio.to_thread.run_sync(handle.write, data)

    try:
        size = await read_field(body, boundary, "file", sink)
        await _write_pending()
        handle.close()
        # NOTE: written aside and renamed, so a failed upload leaves no half file.
        await anyio.to_thread.run_sync(shutil.move, partial, host)
    finally:
        handle.close()
        if partial.exists():
            partial.unlink()
    return size


async def _upload_through_shim(
    runtime: SandboxRuntime, path: str, boundary: bytes, body: AsyncIterable[bytes]
) -> int:
    async with runtime.shim.connect() as conn:
        await conn.send({"op": "write_file", "path": path})
        pending = bytearray()

        async def sink(piece: bytes) -> None:
            pending.extend(piece)
            while len(pending) >= SHIM_CHUNK:
                await _send_b64(conn, bytes(pending[:SHIM_CHUNK]))
                del pending[:SHIM_CHUNK]

        size = await read_field(body, boundary, "file", sink)
        if pending:
            await _send_b64(conn, bytes(pending))
        await conn.send({"end": True})
        reply = await conn.receive()
    return int(reply.get("size", size))


async def _send_b64(conn: ShimConnection, data: bytes) -> None:
    await conn.send({"b64": base64.b64encode(data).decode("ascii")})


async def _download_through_shim(runtime: SandboxRuntime, path: str, name: str) -> Download:
    context = runtime.shim.connect()
    conn = await context.__aenter__()
    try:
        await conn.send({"op": "read_file", "path": path})
        head = await conn.receive()
    except BaseException:
        await context.__aexit__(None, None, None)
        raise
    if head["t"] != "file":
        await context.__aexit__(None, None, None)
        raise WorkspaceFileNotFound(path)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while (message := await conn.receive())["t"] == "data":
                yield base64.b64decode(message["b64"])
        finally:
            await context.__aexit__(None, None, None)

    return Download(name=name, size=int(head["size"]), chunks=chunks())

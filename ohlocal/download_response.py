"""The streamed HTTP response for a `Download` (a file, an archive, a zip), shared by the
Agent Server and App Server routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.response import Stream

if TYPE_CHECKING:
    from ohlocal.services.file_service import Download

OCTET_STREAM = "application/octet-stream"


def download_response(download: Download, media_type: str = OCTET_STREAM) -> Stream:
    """Stream `download` as an attachment named after it, with its length."""
    return Stream(
        download.chunks,
        media_type=media_type,
        headers={
            "content-length": str(download.size),
            "content-disposition": f'attachment; filename="{download.name}"',
        },
    )

"""File wire models: `FileUploadResult` and the archive format names."""

from __future__ import annotations

import enum

from ohlocal.models.base import Model


class FileUploadResult(Model, kw_only=True):
    success: bool = True
    file_size: int


class ArchiveFormat(enum.StrEnum):
    GIT_DELTA = "git-delta"
    TAR_GZ = "tar.gz"

"""Dependency providers for the agent-side services of the workspace routes."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from ohlocal.services.archive_service import ArchiveService
from ohlocal.services.bash_service import BashService
from ohlocal.services.file_service import FileService
from ohlocal.services.git_service import GitService


def provide_bash_service(state: State) -> BashService:
    service: BashService = state.services.bash
    return service


def provide_file_service(state: State) -> FileService:
    service: FileService = state.services.files
    return service


def provide_archive_service(state: State) -> ArchiveService:
    service: ArchiveService = state.services.archives
    return service


def provide_git_service(state: State) -> GitService:
    service: GitService = state.services.git
    return service


BASH = {"bash_service": Provide(provide_bash_service, sync_to_thread=False)}
FILES = {
    "file_service": Provide(provide_file_service, sync_to_thread=False),
    "archive_service": Provide(provide_archive_service, sync_to_thread=False),
}
GIT = {"git_service": Provide(provide_git_service, sync_to_thread=False)}

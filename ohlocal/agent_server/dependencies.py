"""Dependency providers for the Agent Server routes of a sandbox."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from ohlocal.services.archive_service import ArchiveService
from ohlocal.services.bash_service import BashService
from ohlocal.services.conversation_service import ConversationService
from ohlocal.services.event_log import EventLog
from ohlocal.services.event_service import EventService
from ohlocal.services.file_service import FileService
from ohlocal.services.git_service import GitService
from ohlocal.services.registry import Services
from ohlocal.services.trajectory_service import TrajectoryService


def provide_bash_service(state: State) -> BashService:
    service: BashService = state.services.bash
    return service


def provide_file_service(state: State) -> FileService:
    service: FileService = state.services.files
    return service


def provide_archive_service(state: State) -> ArchiveService:
    service: ArchiveService = state.services.archives
    return service


def provide_trajectory_service(state: State) -> TrajectoryService:
    service: TrajectoryService = state.services.trajectories
    return service


def provide_git_service(state: State) -> GitService:
    service: GitService = state.services.git
    return service


BASH = {"bash_service": Provide(provide_bash_service, sync_to_thread=False)}
FILES = {
    "file_service": Provide(provide_file_service, sync_to_thread=False),
    "archive_service": Provide(provide_archive_service, sync_to_thread=False),
    "trajectory_service": Provide(provide_trajectory_service, sync_to_thread=False),
}
GIT = {"git_service": Provide(provide_git_service, sync_to_thread=False)}


def _services(state: State) -> Services:
    services: Services = state.services
    return services


def provide_conversation_service(state: State) -> ConversationService:
    return _services(state).conversations


def provide_event_service(state: State) -> EventService:
    return _services(state).events


def provide_event_log(state: State) -> EventLog:
    return _services(state).event_log


AGENT_DEPENDENCIES = {
    "conversation_service": Provide(provide_conversation_service, sync_to_thread=False),
    "event_service": Provide(provide_event_service, sync_to_thread=False),
    "event_log": Provide(provide_event_log, sync_to_thread=False),
}

"""Dependency providers for the Agent Server routes of a sandbox."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from ohlocal.services.conversation_service import ConversationService
from ohlocal.services.event_log import EventLog
from ohlocal.services.event_service import EventService
from ohlocal.services.registry import Services


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

"""Litestar dependency providers that hand the services to route handlers."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from ohlocal.services.api_key_service import ApiKeyService
from ohlocal.services.app_conversation_service import AppConversationService
from ohlocal.services.app_event_service import AppEventService
from ohlocal.services.app_workspace_service import AppWorkspaceService
from ohlocal.services.pending_message_service import PendingMessageService
from ohlocal.services.registry import Services
from ohlocal.services.sandbox_service import SandboxService
from ohlocal.services.sandbox_spec_service import SandboxSpecService
from ohlocal.services.settings_service import SettingsService
from ohlocal.services.start_task_service import StartTaskService


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def provide_sandbox_service(state: State) -> SandboxService:
    return provide_services(state).sandboxes


def provide_sandbox_spec_service(state: State) -> SandboxSpecService:
    return provide_services(state).sandbox_specs


def provide_settings_service(state: State) -> SettingsService:
    return provide_services(state).user_settings


def provide_api_key_service(state: State) -> ApiKeyService:
    return provide_services(state).api_keys


def provide_app_conversation_service(state: State) -> AppConversationService:
    return provide_services(state).app_conversations


def provide_start_task_service(state: State) -> StartTaskService:
    return provide_services(state).start_tasks


def provide_app_event_service(state: State) -> AppEventService:
    return provide_services(state).app_events


def provide_app_workspace_service(state: State) -> AppWorkspaceService:
    return provide_services(state).app_workspaces


def provide_pending_message_service(state: State) -> PendingMessageService:
    return provide_services(state).pending_messages


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "sandbox_service": Provide(provide_sandbox_service, sync_to_thread=False),
    "sandbox_spec_service": Provide(provide_sandbox_spec_service, sync_to_thread=False),
    "settings_service": Provide(provide_settings_service, sync_to_thread=False),
    "api_key_service": Provide(provide_api_key_service, sync_to_thread=False),
    "app_conversation_service": Provide(provide_app_conversation_service, sync_to_thread=False),
    "start_task_service": Provide(provide_start_task_service, sync_to_thread=False),
    "app_event_service": Provide(provide_app_event_service, sync_to_thread=False),
    "pending_message_service": Provide(provide_pending_message_service, sync_to_thread=False),
    "app_workspace_service": Provide(provide_app_workspace_service, sync_to_thread=False),
}

"""Litestar dependency providers that hand the services to route handlers."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from ohlocal.services.api_key_service import ApiKeyService
from ohlocal.services.registry import Services
from ohlocal.services.sandbox_service import SandboxService
from ohlocal.services.sandbox_spec_service import SandboxSpecService
from ohlocal.services.settings_service import SettingsService


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


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "sandbox_service": Provide(provide_sandbox_service, sync_to_thread=False),
    "sandbox_spec_service": Provide(provide_sandbox_spec_service, sync_to_thread=False),
    "settings_service": Provide(provide_settings_service, sync_to_thread=False),
    "api_key_service": Provide(provide_api_key_service, sync_to_thread=False),
}

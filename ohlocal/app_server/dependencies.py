"""Litestar dependency providers that hand the services to route handlers."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from ohlocal.services.registry import Services
from ohlocal.services.sandbox_service import SandboxService
from ohlocal.services.sandbox_spec_service import SandboxSpecService


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def provide_sandbox_service(state: State) -> SandboxService:
    return provide_services(state).sandboxes


def provide_sandbox_spec_service(state: State) -> SandboxSpecService:
    return provide_services(state).sandbox_specs


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "sandbox_service": Provide(provide_sandbox_service, sync_to_thread=False),
    "sandbox_spec_service": Provide(provide_sandbox_spec_service, sync_to_thread=False),
}

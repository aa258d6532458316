"""create_app(settings): the Litestar application, its lifespan and the task group it owns."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
from litestar import Litestar, Request, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from ohlocal import __version__
from ohlocal.agent_server.bash_routes import BashController, ConversationBashController
from ohlocal.agent_server.bash_socket_routes import bash_events_socket
from ohlocal.agent_server.conversation_control_routes import ConversationControlController
from ohlocal.agent_server.conversation_routes import ConversationController
from ohlocal.agent_server.event_routes import EventController
from ohlocal.agent_server.event_socket_routes import event_socket
from ohlocal.agent_server.file_routes import ConversationFileController, FileController
from ohlocal.agent_server.git_routes import ConversationGitController, GitController
from ohlocal.agent_server.health_routes import AgentHealthController
from ohlocal.agent_server.server_info_routes import AgentServerInfoController
from ohlocal.agent_server.tools_routes import ToolsController
from ohlocal.app_server.api_key_routes import ApiKeyController
from ohlocal.app_server.app_conversation_routes import AppConversationController
from ohlocal.app_server.app_conversation_workspace_routes import (
    AppConversationWorkspaceController,
)
from ohlocal.app_server.app_event_routes import AppEventController
from ohlocal.app_server.dependencies import DEPENDENCIES
from ohlocal.app_server.health_routes import HealthController
from ohlocal.app_server.pending_message_routes import PendingMessageController
from ohlocal.app_server.sandbox_routes import SandboxController
from ohlocal.app_server.sandbox_spec_routes import SandboxSpecController
from ohlocal.app_server.settings_routes import SettingsController
from ohlocal.app_server.start_task_routes import StartTaskController
from ohlocal.app_server.user_routes import UserController
from ohlocal.app_server.web_client_routes import WebClientController
from ohlocal.auth import SessionKeyMiddleware
from ohlocal.containers.select import open_backend
from ohlocal.http_errors import EXCEPTION_HANDLERS, document_error_responses
from ohlocal.services.agent_runner import AgentRunner
from ohlocal.services.api_key_service import ApiKeyService
from ohlocal.services.app_conversation_builder import AppConversationBuilder
from ohlocal.services.app_conversation_service import AppConversationService
from ohlocal.services.app_event_service import AppEventService
from ohlocal.services.app_workspace_service import AppWorkspaceService
from ohlocal.services.archive_service import ArchiveService
from ohlocal.services.bash_service import BashService
from ohlocal.services.conversation_service import ConversationService
from ohlocal.services.event_log import EventLog
from ohlocal.services.event_service import EventService
from ohlocal.services.file_service import FileService
from ohlocal.services.git_service import GitService
from ohlocal.services.pending_message_service import PendingMessageService
from ohlocal.services.registry import Services
from ohlocal.services.runner_api import RunnerContext, RunnerFactory, UnavailableRunner
from ohlocal.services.sandbox_service import SandboxService
from ohlocal.services.sandbox_spec_service import SandboxSpecService
from ohlocal.services.settings_service import SettingsService
from ohlocal.services.start_task_service import StartTaskService
from ohlocal.services.trajectory_service import TrajectoryService
from ohlocal.services.webhook_service import WebhookService
from ohlocal.settings import Settings
from ohlocal.store.api_key_store import ApiKeyStore
from ohlocal.store.app_conversation_store import AppConversationStore
from ohlocal.store.bash_event_store import BashEventStore
from ohlocal.store.conversation_store import ConversationStore
from ohlocal.store.db import Database
from ohlocal.store.event_store import EventStore
from ohlocal.store.sandbox_store import SandboxStore
from ohlocal.store.settings_store import SettingsStore
from ohlocal.store.start_task_store import StartTaskStore
from ohlocal.store.webhook_store import WebhookStore

logger = logging.getLogger(__name__)

# The agent loop's runner factory. The agent-loop branch sets this when it merges; until then
# agent work (create with a runner call, run, pause, ...) answers 503 via UnavailableRunner.
DEFAULT_RUNNER_FACTORY: RunnerFactory | None = AgentRunner


@get("/openapi.json", include_in_schema=False)
async def openapi_json(request: Request[Any, Any, Any]) -> dict[str, object]:
    """The OpenAPI document of both roles."""
    return document_error_responses(request.app.openapi_schema.to_schema())


def create_app(
    settings: Settings,
    bound_port: Callable[[], int | None] = lambda: None,
    runner_factory: RunnerFactory | None = None,
) -> Litestar:
    """Build the application. `bound_port` tells the port really bound when --port was 0;
    `runner_factory` overrides DEFAULT_RUNNER_FACTORY (tests, benches)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = await Database.open(settings.db_path)
        backend = await open_backend(settings)
        try:
            async with anyio.create_task_group() as tg:
                services = _build_services(
                    settings,
                    db,
                    backend,
                    tg.start_soon,
                    bound_port,
                    runner_factory or DEFAULT_RUNNER_FACTORY,
                )
                app.state.services = services
                await _start(services, tg)
                logger.info("ohlocal ready backend=%s", backend.info.name)
                yield
                tg.cancel_scope.cancel()
                with anyio.CancelScope(shield=True):
                    await services.api_keys.flush()
                if isinstance(services.runner, AgentRunner):
                    with anyio.CancelScope(shield=True):
                        await services.runner.aclose()
        finally:
            await backend.close()
            await db.close()

    return Litestar(
        route_handlers=[
            HealthController,
            SandboxSpecController,
            SandboxController,
            SettingsController,
            UserController,
            WebClientController,
            ApiKeyController,
            AppConversationController,
            AppConversationWorkspaceController,
            StartTaskController,
            AppEventController,
            PendingMessageController,
            AgentHealthController,
            BashController,
            ConversationBashController,
            bash_events_socket,
            FileController,
            ConversationFileController,
            GitController,
            ConversationGitController,
            ToolsController,
            AgentServerInfoController,
            ConversationController,
            ConversationControlController,
            EventController,
            event_socket,
            openapi_json,
        ],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[SessionKeyMiddleware()],
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="ohlocal",
            version=__version__,
            description="The OpenHands V1 App Server and Agent Server, served locally.",
            path="/docs",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        # NOTE: logging is configured by the CLI only; Litestar must not install its own.
        logging_config=None,
        debug=False,
    )


async def _start(services: Services, tg: anyio.abc.TaskGroup) -> None:
    """Adopt sandboxes, load API keys, recover runs; start the background loops."""
    sandboxes: SandboxService = services.sandboxes
    await sandboxes.adopt()
    services.files.clear_staging()
    await services.api_keys.load()
    tg.start_soon(services.webhooks.run_forever)
    await services.bash.recover()
    await services.runner.recover()
    await services.start_tasks.recover()
    tg.start_soon(sandboxes.reconcile_forever, services.settings.reconcile_interval)
    tg.start_soon(services.api_keys.flush_forever)


def _build_services(
    settings: Settings,
    db: Database,
    backend: object,
    spawn: Callable[..., object],
    bound_port: Callable[[], int | None],
    runner_factory: RunnerFactory | None,
) -> Services:
    specs = SandboxSpecService(settings.all_specs())
    sandboxes = SandboxService(
        SandboxStore(db),
        specs,
        backend,  # type: ignore[arg-type]
        settings.home,
        base_url=lambda: settings.base_url(bound_port()),
        spawn=spawn,
    )
    git = GitService(sandboxes)
    event_log = EventLog(EventStore(db), ConversationStore(db))
    context = RunnerContext(settings, event_log, sandboxes, spawn)
    runner = runner_factory(context) if runner_factory else UnavailableRunner()
    conversations = ConversationService(event_log, sandboxes, runner)
    events = EventService(event_log, conversations)
    app_store = AppConversationStore(db)
    app_conversations = AppConversationService(
        app_store, sandboxes, event_log, runner, git, settings.home
    )
    task_store = StartTaskStore(db)
    pending = PendingMessageService(task_store, app_store, runner)
    user_settings = SettingsService(SettingsStore(db), settings)
    builder = AppConversationBuilder(user_settings, conversations, app_store)
    trajectories = TrajectoryService(event_log, settings.home / "tmp")
    return Services(
        settings=settings,
        db=db,
        backend=backend,  # type: ignore[arg-type]
        sandbox_specs=specs,
        sandboxes=sandboxes,
        bash=BashService(BashEventStore(db), sandboxes, spawn),
        files=FileService(sandboxes, settings.home / "tmp" / "uploads"),
        git=git,
        archives=ArchiveService(sandboxes, git, settings.home / "tmp"),
        event_log=event_log,
        conversations=conversations,
        events=events,
        runner=runner,
        user_settings=user_settings,
        api_keys=ApiKeyService(ApiKeyStore(db)),
        webhooks=WebhookService(settings.webhooks, WebhookStore(db), event_log, sandboxes),
        app_conversations=app_conversations,
        start_tasks=StartTaskService(task_store, sandboxes, builder, pending, spawn),
        app_events=AppEventService(event_log, events, app_conversations, runner),
        pending_messages=pending,
        trajectories=trajectories,
        app_workspaces=AppWorkspaceService(app_conversations, trajectories, settings.home),
    )

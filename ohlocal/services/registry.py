"""The services one running server holds, built by the app lifespan."""

# NOTE: imports stay at run time: Litestar resolves these annotations when it injects Services.

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ohlocal.containers.base import Backend
from ohlocal.services.api_key_service import ApiKeyService
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
from ohlocal.services.runner_api import ConversationRunner
from ohlocal.services.sandbox_service import SandboxService
from ohlocal.services.sandbox_spec_service import SandboxSpecService
from ohlocal.services.settings_service import SettingsService
from ohlocal.services.start_task_service import StartTaskService
from ohlocal.services.trajectory_service import TrajectoryService
from ohlocal.services.webhook_service import WebhookService
from ohlocal.settings import Settings
from ohlocal.store.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    backend: Backend
    sandbox_specs: SandboxSpecService
    sandboxes: SandboxService
    bash: BashService
    files: FileService
    git: GitService
    archives: ArchiveService
    event_log: EventLog
    conversations: ConversationService
    events: EventService
    runner: ConversationRunner
    user_settings: SettingsService
    api_keys: ApiKeyService
    webhooks: WebhookService
    app_conversations: AppConversationService
    start_tasks: StartTaskService
    app_events: AppEventService
    pending_messages: PendingMessageService
    trajectories: TrajectoryService
    app_workspaces: AppWorkspaceService
    started_at: float = field(default_factory=time.monotonic)
    last_request_at: float = field(default_factory=time.monotonic)

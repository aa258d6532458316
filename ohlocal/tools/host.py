"""ToolHost: runs one conversation's actions in its sandbox and keeps the tools' state."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

import anyio

from ohlocal.models.content import TextContent
from ohlocal.tools.file_editor import FileEditor
from ohlocal.tools.models import (
    Action,
    FileEditorAction,
    FinishAction,
    FinishObservation,
    Observation,
    TaskTrackerAction,
    TerminalAction,
    ThinkObservation,
)
from ohlocal.tools.task_tracker import TaskTracker
from ohlocal.tools.terminal import NO_CHANGE_TIMEOUT, TerminalSession

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ohlocal.services.sandbox_service import SandboxRuntime

logger = logging.getLogger(__name__)

THOUGHT_LOGGED = "Your thought has been logged."


def observation_save_dir(conversation_id: str) -> str:
    """The reference's `full_output_save_dir`: relative to its working directory."""
    # NOTE: nothing is saved there; the reference writes the full text of clipped outputs.
    return f"workspace/conversations/{uuid.UUID(conversation_id).hex}/observations"


class ToolHost:
    """Executes actions for one conversation. Calls are serialised: the agent runs one action
    at a time, and the terminal session could not interleave two commands anyway.

    `secrets` (name -> value) is read at each command, so a mapping the caller updates in
    place is seen at once; `update_secrets` replaces it.
    """

    def __init__(
        self,
        conversation_id: str,
        runtime: SandboxRuntime,
        secrets: Mapping[str, str] | None = None,
        *,
        no_change_timeout: float = NO_CHANGE_TIMEOUT,
    ) -> None:
        self.conversation_id = conversation_id
        self._secrets: dict[str, str] = dict(secrets or {})
        self._lock = anyio.Lock()
        self._terminal = TerminalSession(
            runtime,
            session_id=uuid.UUID(conversation_id).hex,
            secrets=self._secrets,
            save_dir=observation_save_dir(conversation_id),
            no_change_timeout=no_change_timeout,
        )
        self._editor = FileEditor(runtime)
        self._tasks = TaskTracker()

    def update_secrets(self, secrets: Mapping[str, str]) -> None:
        """Add or replace secrets (the conversation's POST /secrets)."""
        self._secrets.update(secrets)

    async def execute(self, action: Action) -> Observation:
        """Run `action`; tool failures come back as observations (`is_error` where the
        reference sets it). Raises ToolExecutionError for calls the reference rejects with an
        AgentErrorEvent, and BackendError when the sandbox helper cannot be reached."""
        async with self._lock:
            if isinstance(action, TerminalAction):
                return await self._terminal.execute(action)
            if isinstance(action, FileEditorAction):
                return await self._editor.execute(action)
            if isinstance(action, TaskTrackerAction):
                return await self._tasks.execute(action)
            if isinstance(action, FinishAction):
                return FinishObservation(content=[TextContent(text=action.message)])
            return ThinkObservation(content=[TextContent(text=THOUGHT_LOGGED)])

    async def close(self) -> None:
        """End the terminal session; the host can still run actions, starting a new one."""
        async with self._lock:
            await self._terminal.close()

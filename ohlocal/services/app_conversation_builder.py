"""The work behind each start-task step: the project directory, its repository, setup script,
hooks and skills, then the agent-server conversation and the app conversation row."""

from __future__ import annotations

import logging
import posixpath
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from ohlocal.errors import InvalidInput
from ohlocal.models.app_conversation import AppConversationRecord
from ohlocal.models.conversation import StartConversationRequest, WorkspaceRequest, utc_iso
from ohlocal.services import repository_setup
from ohlocal.services.skills import load_repository_skills

if TYPE_CHECKING:
    from pathlib import Path

    from ohlocal.models.app_conversation import AppConversationStartRequest
    from ohlocal.services.conversation_service import ConversationService
    from ohlocal.services.llm_defaults import ConversationLLM
    from ohlocal.services.sandbox_service import SandboxRuntime
    from ohlocal.services.settings_service import SettingsService
    from ohlocal.store.app_conversation_store import AppConversationStore

logger = logging.getLogger(__name__)

# The agent's tools, as the reference's default agent lists them (its browser is left out).
AGENT_TOOLS = ("terminal", "file_editor", "task_tracker")
REPOSITORY_NOTE = (
    "The repository {repository} was cloned to {path}; the user's requests are about it "
    "unless they say otherwise."
)


@dataclass(frozen=True)
class Project:
    """Where the conversation's project lies: in the sandbox, and on the host."""

    path: str
    host: Path
    repository: str | None = None


def default_title(conversation_hex: str) -> str:
    # NOTE: the reference titles a conversation this way until a title is generated.
    return f"Conversation {conversation_hex[:5]}"


# GAP: LoggingCallbackProcessor is accepted but logs nothing; no per-event callback hook exists
# in the event log yet; docs/compatibility.md (app conversations).
def wants_generated_title(request: AppConversationStartRequest) -> bool:
    """No title asked for, and the processors (when given) include the title setter."""
    if request.title:
        return False
    if request.processors is None:
        return True
    return any("SetTitleCallbackProcessor" in str(p.get("kind", "")) for p in request.processors)


def parse_request_uuid(value: str | None, field: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(
            ("body", field), "Input should be a valid UUID", "uuid_parsing", value
        ) from None


class AppConversationBuilder:
    def __init__(
        self,
        user_settings: SettingsService,
        conversations: ConversationService,
        app_store: AppConversationStore,
    ) -> None:
        self._user_settings = user_settings
        self._conversations = conversations
        self._app_store = app_store

    async def existing_sandbox(self, request: AppConversationStartRequest) -> str | None:
        """The sandbox to reuse: the request's, else that of the conversation it resumes."""
        if request.sandbox_id:
            return request.sandbox_id
        cid = parse_request_uuid(request.conversation_id, "conversation_id")
        if cid is not None:
            record = await self._app_store.get(cid.hex)
            if record is not None:
                return record.sandbox_id
        return None

    async def conversation_exists(self, conversation_hex: str) -> bool:
        return await self._app_store.get(conversation_hex) is not None

    async def prepare_repository(
        self, request: AppConversationStartRequest, runtime: SandboxRuntime
    ) -> Project:
        workspace = runtime.layout.workspace
        if not request.selected_repository:
            return Project(path=runtime.working_dir, host=workspace)
        host = await repository_setup.clone_repository(
            workspace, request.selected_repository, request.selected_branch, request.git_provider
        )
        path = posixpath.join(runtime.working_dir, host.name)
        return Project(path=path, host=host, repository=request.selected_repository)

    async def run_setup_script(self, runtime: SandboxRuntime, project: Project) -> None:
        await repository_setup.run_setup_script(runtime, project.path, project.host)

    async def install_git_hooks(self, project: Project) -> None:
        await anyio.to_thread.run_sync(repository_setup.install_git_hooks, project.host)

    async def load_skills(self, project: Project) -> list[dict[str, Any]]:
        return await anyio.to_thread.run_sync(load_repository_skills, project.host)

    # GAP: agent_type "plan", plugins, agent_profile_id and suggested_task change nothing; no
    # plan agent or plugin loader exists yet; docs/compatibility.md (app conversations).
    def _agent(
        self,
        request: AppConversationStartRequest,
        project: Project,
        skills: list[dict[str, Any]],
        llm: ConversationLLM,
    ) -> dict[str, Any]:
        suffixes = [request.system_message_suffix] if request.system_message_suffix else []
        if project.repository:
            suffixes.append(
                REPOSITORY_NOTE.format(repository=project.repository, path=project.path)
            )
        return {
            "kind": "Agent",
            "llm": _agent_llm(llm),
            "tools": [{"name": name, "params": {}} for name in AGENT_TOOLS],
            "agent_context": {
                "skills": skills,
                "system_message_suffix": "\n\n".join(suffixes) or None,
            },
        }

    async def start_conversation(
        self,
        request: AppConversationStartRequest,
        runtime: SandboxRuntime,
        project: Project,
        skills: list[dict[str, Any]],
    ) -> uuid.UUID:
        """Create the agent-server conversation in-process, then the app conversation row."""
        cid = parse_request_uuid(request.conversation_id, "conversation_id") or uuid.uuid4()
        llm = await self._user_settings.conversation_llm(request.llm_model)
        start = StartConversationRequest(
            conversation_id=str(cid),
            parent_conversation_id=request.parent_conversation_id,
            workspace=WorkspaceRequest(working_dir=runtime.working_dir),
            initial_message=request.initial_message,
            secrets=dict(request.secrets or {}),
            autotitle=wants_generated_title(request),
            agent=self._agent(request, project, skills, llm),
        )
        await self._conversations.start_conversation(runtime.record.id, start)
        if await self._app_store.get(cid.hex) is None:
            await self._app_store.insert(self._record(cid, request, runtime, llm.model))
        return cid

    def _record(
        self,
        cid: uuid.UUID,
        request: AppConversationStartRequest,
        runtime: SandboxRuntime,
        llm_model: str,
    ) -> AppConversationRecord:
        now = utc_iso()
        return AppConversationRecord(
            id=cid.hex,
            sandbox_id=runtime.record.id,
            working_dir=runtime.working_dir,
            selected_repository=request.selected_repository,
            selected_branch=request.selected_branch,
            git_provider=request.git_provider,
            title=request.title or default_title(cid.hex),
            trigger=request.trigger,
            pr_number=list(request.pr_number),
            llm_model=llm_model,
            parent_conversation_id=request.parent_conversation_id,
            public=request.public,
            created_at=now,
            updated_at=now,
        )


def _agent_llm(llm: ConversationLLM) -> dict[str, Any]:
    """`agent.llm` of a new conversation from the effective LLM settings."""
    fields = {"model": llm.model, "base_url": llm.base_url, "api_key": llm.api_key}
    return {"usage_id": "agent", **{k: v for k, v in fields.items() if v is not None}}

"""The `/api/conversations/{runtime_conversation_id}/...` variants of the bash, git and file
routes: the hook that resolves the conversation before each request, and its dependency."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from ohlocal.agent_server.prefix import AGENT_PREFIX
from ohlocal.services.conversation_scope import ConversationScope
from ohlocal.services.conversation_service import parse_conversation_id
from ohlocal.services.registry import Services

SCOPE_PREFIX = AGENT_PREFIX + "/api/conversations/{runtime_conversation_id:str}"
# Parameters that hold a sandbox path; each must lie in the conversation's workspace.
# NOTE: the reference checks `path` and `workspace_dir`; `file_path` and `repo_path` are the
# path forms ohlocal also serves, held to the same rule.
PATH_PARAMETERS = ("path", "workspace_dir", "file_path", "repo_path")
_STATE_KEY = "conversation_scope"
# GAP: the scoped `/vscode/url` and `/vscode/status` routes of the reference are not served
# (VS Code is not bundled; the server-wide routes answer as with VS Code disabled).


async def resolve_conversation_scope(request: Request[Any, Any, Any]) -> None:
    """Find the conversation (404 when unknown) and refuse paths outside its workspace (422),
    before the route's own parameters are read."""
    services: Services = request.app.state.services
    scope = await services.conversations.conversation_scope(
        request.path_params["sandbox_id"], request.path_params["runtime_conversation_id"]
    )
    for name in PATH_PARAMETERS:
        value = request.path_params.get(name) or request.query_params.get(name)
        scope.check_path(name, value)
    if "conversation_id" in request.path_params:
        scope.check_trajectory(parse_conversation_id(request.path_params["conversation_id"]))
    request.state[_STATE_KEY] = scope


def provide_conversation_scope(request: Request[Any, Any, Any]) -> ConversationScope | None:
    """The conversation a scoped route works for; None on the server-wide routes."""
    scope: ConversationScope | None = request.state.get(_STATE_KEY)
    return scope


CONVERSATION_SCOPE = {
    "conversation_scope": Provide(provide_conversation_scope, sync_to_thread=False)
}

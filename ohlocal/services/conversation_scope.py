"""The workspace of one agent-server conversation, as the conversation-scoped bash, git and
file routes see it: the paths they accept and the bash event store they use."""

from __future__ import annotations

import posixpath
import uuid
from typing import TYPE_CHECKING

import msgspec

from ohlocal.errors import OutsideConversationWorkspace, TrajectoryConversationMismatch

if TYPE_CHECKING:
    from ohlocal.models.bash import ExecuteBashRequest


def inside(root: str, path: str) -> bool:
    """True when absolute `path` is `root` or lies under it, after normalising `..`."""
    if not path.startswith("/"):
        return False
    normal, base = posixpath.normpath(path), posixpath.normpath(root)
    return normal == base or normal.startswith(base.rstrip("/") + "/")


class ConversationScope(msgspec.Struct, frozen=True, kw_only=True):
    """One conversation of one sandbox, and the working dir its scoped routes are held to."""

    sandbox_id: str
    conversation_id: str
    working_dir: str

    @property
    def bash_store_key(self) -> str:
        """The partition of the bash event store that holds this conversation's commands.

        NOTE: the reference keeps a separate bash event store per conversation; the
        server-wide store is partitioned by sandbox id, so this key can never clash with it.
        """
        return f"{self.sandbox_id}/conversations/{self.conversation_id.replace('-', '')}"

    def check_path(self, name: str, path: str | None) -> None:
        """OutsideConversationWorkspace unless `path` (when given) is absolute and inside."""
        if path is not None and not inside(self.working_dir, path):
            raise OutsideConversationWorkspace(name, path)

    def bash_request(self, request: ExecuteBashRequest) -> ExecuteBashRequest:
        """`request` with its `cwd` defaulted to the working dir; a `cwd` outside is refused."""
        # GAP: the conversation's secrets are not exported to scoped commands nor masked in
        # their output (newer reference sources do; bash_endpoints.json has no secrets to
        # tell for 1.58.2); passing EventLog.secrets to the helper's `env` would close it.
        if request.cwd is None:
            return msgspec.structs.replace(request, cwd=self.working_dir)
        self.check_path("cwd", request.cwd)
        return request

    def check_trajectory(self, conversation_id: uuid.UUID) -> None:
        """A scoped trajectory download may only name the scope's own conversation."""
        if conversation_id != uuid.UUID(self.conversation_id):
            raise TrajectoryConversationMismatch(str(conversation_id), self.conversation_id)

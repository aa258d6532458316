"""The `terminal` tool: a persistent bash session in the sandbox, run by the sandbox helper's
`terminal` op, with the reference's timeouts, output shaping and secret handling."""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING, Any

from ohlocal.errors import BackendError, ToolExecutionError
from ohlocal.models.content import TextContent, text_of
from ohlocal.tools.models import CmdOutputMetadata, TerminalAction, TerminalObservation

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ohlocal.services.sandbox_service import SandboxRuntime

logger = logging.getLogger(__name__)

NO_CHANGE_TIMEOUT = 30.0
MAX_OUTPUT = 30_000
SECRET_MASK = "<secret-hidden>"
CLIPPED_NOTICE = (
    "<response clipped><NOTE>Due to the max output limit, only part of the full response has "
    "been shown to you.</NOTE>"
)
RESET_TEXT = (
    "Terminal session has been reset. All previous environment variables and session state "
    "have been cleared."
)
CONTINUE_PREFIX = "[Below is the output of the previous command.]\n"
# Text of the reference's timeout notes after their first sentence.
TIMEOUT_ADVICE = (
    "You may wait longer to see additional output by sending empty command '', send other "
    'commands to interact with the current process, send keys ("C-c", "C-z", "C-d") to '
    "interrupt/kill the previous command before sending your new command, or use the timeout "
    "parameter in terminal for future commands."
)


def clip(text: str, limit: int = MAX_OUTPUT, notice: str = CLIPPED_NOTICE) -> str:
    """Cut the middle out of `text` longer than `limit`, keeping head and tail around `notice`,
    the way the reference's truncation does (the head gets the odd character)."""
    if len(text) <= limit:
        return text
    room = limit - len(notice)
    head = room // 2 + room % 2
    tail = room - head
    return text[:head] + notice + (text[-tail:] if tail else "")


def mask(text: str, secrets: Mapping[str, str]) -> str:
    for value in sorted(secrets.values(), key=len, reverse=True):
        if value:
            text = text.replace(value, SECRET_MASK)
    return text


def bash_quote(text: str) -> str:
    """`text` as a bash $'...' word that holds it exactly, on one line."""
    out = []
    for char in text:
        if char in ("\\", "'"):
            out.append("\\" + char)
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"


def _special_key(command: str) -> str | None:
    """The letter of a `C-<letter>` key, as the reference recognises them."""
    stripped = command.strip()
    if stripped.startswith("C-") and len(stripped) == 3:
        return stripped[2]
    return None


class TerminalSession:
    """One conversation's shell. Calls must not overlap; ToolHost serialises them."""

    def __init__(
        self,
        runtime: SandboxRuntime,
        session_id: str,
        secrets: Mapping[str, str],
        save_dir: str | None,
        no_change_timeout: float = NO_CHANGE_TIMEOUT,
    ) -> None:
        self._runtime = runtime
        self._session_id = session_id
        self._secrets = secrets
        self._save_dir = save_dir
        self._no_change = no_change_timeout
        self._started = False
        # A command is still running after a timeout; its later output continues it.
        self._running = False
        self._had_output = False

    async def _call(self, action: str, **fields: Any) -> dict[str, Any]:
        async with self._runtime.shim.connect() as conn:
            await conn.send(
                {"op": "terminal", "session": self._session_id, "action": action, **fields}
            )
            return await conn.receive()

    async def start(self) -> None:
        await self._call("start", cwd=self._runtime.working_dir)
        self._started, self._running, self._had_output = True, False, False
        logger.debug("terminal session started session=%s", self._session_id)

    async def close(self) -> None:
        if self._started:
            self._started = False
            try:
                await self._call("close")
            except BackendError as exc:
                logger.warning(
                    "terminal session close failed session=%s error=%s",
                    self._session_id,
                    exc.message,
                )

    async def execute(self, action: TerminalAction) -> TerminalObservation:
        if action.reset and action.is_input:
            raise ToolExecutionError("terminal", "Cannot use reset=True with is_input=True")
        if action.reset or not self._started:
            await self.start()
        if action.reset:
            if not action.command.strip():
                return self._observation(RESET_TEXT, "[RESET]", exit_code=0)
            result = await self._run(action)
            text = f"{RESET_TEXT}\n\n{text_of(list(result.content))}"
            result.content = [TextContent(text=text)]
            result.command = self._mask(f"[RESET] {action.command}")
            return result
        return await self._run(action)

    async def _run(self, action: TerminalAction) -> TerminalObservation:
        command = action.command.strip()
        if not self._running and command == "":
            return self._error("No previous running command to retrieve logs from.", command)
        if not self._running and action.is_input:
            return self._error("No previous running command to interact with.", command)
        if self._running and not action.is_input and command != "":
            return await self._refuse(command)

        wait = self._wait_args(action)
        key = _special_key(command) if action.is_input else None
        if key is not None and key.lower() == "c":
            reply = await self._call("signal", signum=int(signal.SIGINT), **wait)
        elif key is not None:
            # GAP: keys other than C-c reach the process as control bytes on its stdin pipe,
            # not through a terminal; a pty-backed session in the helper would close this.
            reply = await self._call("send", text=chr(ord(key.upper()) & 0x1F), **wait)
        elif action.is_input:
            reply = await self._call("send", text=command + "\n", **wait)
        elif command:
            reply = await self._call("send", text=self._command_line(command), **wait)
        else:
            reply = await self._call("read", **wait)
        if reply.get("state") == "missing":
            await self.start()
            return await self._run(action)
        return self._from_reply(reply, command, key, action.timeout)

    def _wait_args(self, action: TerminalAction) -> dict[str, Any]:
        if action.timeout is not None:
            return {"no_change": None, "hard": action.timeout}
        return {"no_change": self._no_change, "hard": None}

    def _command_line(self, command: str) -> str:
        """The line bash reads: exports of the secrets the command names, then the command,
        evaluated as one line so that bash prompts exactly once when it has finished."""
        exports = [
            f"export {name}={bash_quote(value)}\n"
            for name, value in self._secrets.items()
            if name.lower() in command.lower()
        ]
        return "eval " + bash_quote("".join(exports) + command) + "\n"

    async def _refuse(self, command: str) -> TerminalObservation:
        reply = await self._call("read", no_change=0.05, hard=None)
        suffix = (
            f'\n[Your command "{command}" is NOT executed. The previous command is still '
            "running - You CANNOT send new commands until the previous command is completed. "
            "By setting `is_input` to `true`, you can interact with the current process: "
            f"{TIMEOUT_ADVICE}]"
        )
        if reply.get("state") == "done":
            self._running = False  # it ended meanwhile; the agent can send the command again
        return self._timed_out(reply, command, suffix, is_error=True)

    def _from_reply(
        self, reply: dict[str, Any], command: str, key: str | None, timeout: float | None
    ) -> TerminalObservation:
        state = reply.get("state")
        if state == "idle":
            seconds = f"{self._no_change:g}"
            suffix = f"\n[The command has no new output after {seconds} seconds. {TIMEOUT_ADVICE}]"
            return self._timed_out(reply, command, suffix)
        if state == "hard":
            suffix = f"\n[The command timed out after {timeout} seconds. {TIMEOUT_ADVICE}]"
            return self._timed_out(reply, command, suffix, hard=True)

        self._running, self._had_output = False, False
        if state == "exited":
            self._started = False
        code = int(reply.get("exit_code", -1))
        suffix = f"\n[The command completed with exit code {code}.]"
        if key is not None:
            suffix = (
                f"\n[The command completed with exit code {code}. CTRL+{key.upper()} was sent.]"
            )
        metadata = CmdOutputMetadata(
            exit_code=code,
            username=reply.get("username"),
            hostname=reply.get("hostname"),
            working_dir=reply.get("working_dir"),
            py_interpreter_path=reply.get("py_interpreter_path"),
            suffix=suffix,
        )
        return self._observation(_shape(reply.get("output", "")), command, code, metadata)

    def _timed_out(
        self,
        reply: dict[str, Any],
        command: str,
        suffix: str,
        *,
        hard: bool = False,
        is_error: bool = False,
    ) -> TerminalObservation:
        output = _shape(reply.get("output", ""))
        prefix = CONTINUE_PREFIX if self._running and self._had_output else ""
        self._running = True
        self._had_output = self._had_output or bool(output)
        metadata = CmdOutputMetadata(prefix=prefix, suffix=suffix)
        # NOTE: the reference reports `timeout: false` on a no-change timeout; we set it only
        # when the caller's own `timeout` ran out.
        return self._observation(output, command, -1, metadata, timeout=hard, is_error=is_error)

    def _mask(self, text: str) -> str:
        return mask(text, self._secrets)

    def _observation(
        self,
        text: str,
        command: str,
        exit_code: int | None,
        metadata: CmdOutputMetadata | None = None,
        *,
        timeout: bool = False,
        is_error: bool = False,
    ) -> TerminalObservation:
        return TerminalObservation(
            content=[TextContent(text=self._mask(clip(text)))],
            is_error=is_error,
            command=self._mask(command),
            exit_code=exit_code,
            timeout=timeout,
            metadata=metadata or CmdOutputMetadata(),
            full_output_save_dir=self._save_dir,
        )

    def _error(self, text: str, command: str) -> TerminalObservation:
        return self._observation(text, command, None, is_error=True)


def _shape(output: str) -> str:
    # NOTE: the reference trims surrounding whitespace of every command's output, leading
    # indentation of its first line included.
    return output.replace("\r\n", "\n").strip()

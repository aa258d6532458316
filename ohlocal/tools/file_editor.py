"""The `file_editor` tool: view, create, str_replace, insert and undo_edit on workspace files,
with the reference's texts. Files are reached through the workspace bind mount on the host."""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
from typing import TYPE_CHECKING

from ohlocal.models.content import ImageContent, TextContent
from ohlocal.tools.models import FileEditorAction, FileEditorCommand, FileEditorObservation
from ohlocal.tools.terminal import clip

if TYPE_CHECKING:
    from pathlib import Path

    from ohlocal.services.sandbox_service import SandboxRuntime

SNIPPET_CONTEXT = 4
MAX_VIEW_CHARS = 16_000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_HISTORY = 10
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"}
FILE_CLIPPED_NOTICE = (
    "<response clipped><NOTE>Due to the max output limit, only part of this file has been shown "
    "to you. You should retry this tool after you have searched inside the file with `grep -n` "
    "in order to find the line numbers of what you are looking for.</NOTE>"
)
DIR_CLIPPED_NOTICE = (
    "<response clipped><NOTE>Due to the max output limit, only part of this directory has been "
    "shown to you. You should use `ls -la` instead to view large directories incrementally."
    "</NOTE>"
)


class EditorError(Exception):
    """A failed editor call; its message is the observation text."""


def _invalid(parameter: str, value: object, hint: str) -> EditorError:
    return EditorError(f"Invalid `{parameter}` parameter: {value}. {hint}")


def _missing(parameter: str, command: str) -> EditorError:
    return EditorError(f"Parameter `{parameter}` is required for command: {command}.")


def numbered(content: str, description: str, start: int = 1) -> str:
    """The reference's `cat -n` rendering of `content`, numbered from `start`."""
    content = clip(content, MAX_VIEW_CHARS, FILE_CLIPPED_NOTICE)
    lines = content.split("\n")
    # NOTE: a final newline does not produce an empty numbered line (recorded views).
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    body = "\n".join(f"{number:6}\t{line}" for number, line in enumerate(lines, start))
    return f"Here's the result of running `cat -n` on {description}:\n{body}\n"


def _lines(text: str, first: int, last: int) -> str:
    """Lines `first`..`last` (1-based, inclusive) of `text`, with their line ends."""
    return "".join(text.splitlines(keepends=True)[max(first - 1, 0) : max(last, 0)])


def _line_count(text: str) -> int:
    return len(text.splitlines())


class FileEditor:
    """One conversation's editor; it keeps the undo history of each file."""

    def __init__(self, runtime: SandboxRuntime) -> None:
        self._runtime = runtime
        self._history: dict[str, list[str]] = {}

    async def execute(self, action: FileEditorAction) -> FileEditorObservation:
        try:
            return self._dispatch(action)
        except EditorError as exc:
            return FileEditorObservation(
                content=[TextContent(text=str(exc))], is_error=True, command=action.command
            )

    # ----- paths and files -----

    def _host(self, path: str, command: FileEditorCommand) -> Path:
        if not posixpath.isabs(path):
            raise _invalid("path", path, "The path should be an absolute path.")
        host = self._runtime.host_path(path)
        if host is None:
            # GAP: paths outside the workspace are refused; the reference edits any path of
            # its machine. Reading and writing through the sandbox helper would close this.
            raise _invalid(
                "path",
                path,
                f"Only files under the workspace {self._runtime.working_dir} can be used.",
            )
        if command == "create" and host.exists():
            raise _invalid(
                "path",
                path,
                f"File already exists at: {path}. Cannot overwrite files using command `create`.",
            )
        if command != "create" and not host.exists():
            raise _invalid(
                "path", path, f"The path {path} does not exist. Please provide a valid path."
            )
        if command != "view" and host.is_dir():
            raise _invalid(
                "path",
                path,
                f"The path {path} is a directory and only the `view` command can be used on "
                "directories.",
            )
        return host

    def _read(self, host: Path, path: str) -> str:
        size = host.stat().st_size
        if size > MAX_FILE_BYTES:
            raise EditorError(
                f"File validation failed for {path}: File is too large "
                f"({size / 1024 / 1024:.1f}MB). Maximum allowed size is "
                f"{MAX_FILE_BYTES // 1024 // 1024}MB."
            )
        data = host.read_bytes()
        try:
            if b"\x00" in data[:8192]:
                raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise EditorError(
                f"File validation failed for {path}: File appears to be binary and this file "
                "type cannot be read or edited by this tool."
            ) from None

    def _write(self, host: Path, path: str, text: str) -> None:
        try:
            host.parent.mkdir(parents=True, exist_ok=True)
            with open(host, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise EditorError(f"Ran into {exc} while trying to write to {path}") from None

    def _remember(self, path: str, text: str) -> None:
        history = self._history.setdefault(path, [])
        history.append(text)
        del history[:-MAX_HISTORY]

    # ----- commands -----

    def _dispatch(self, action: FileEditorAction) -> FileEditorObservation:
        path = posixpath.normpath(action.path) if action.path.startswith("/") else action.path
        host = self._host(path, action.command)
        if action.command == "view":
            return self._view(host, path, action.view_range)
        if action.command == "create":
            if action.file_text is None:
                raise _missing("file_text", "create")
            self._write(host, path, action.file_text)
            self._remember(path, action.file_text)
            return FileEditorObservation(
                content=[TextContent(text=f"File created successfully at: {path}")],
                command="create",
                path=path,
                prev_exist=False,
                new_content=action.file_text,
            )
        if action.command == "str_replace":
            if action.old_str is None:
                raise _missing("old_str", "str_replace")
            return self._str_replace(host, path, action.old_str, action.new_str or "")
        if action.command == "insert":
            if action.insert_line is None:
                raise _missing("insert_line", "insert")
            if action.new_str is None:
                raise _missing("new_str", "insert")
            return self._insert(host, path, action.insert_line, action.new_str)
        return self._undo(host, path)

    def _view(self, host: Path, path: str, view_range: list[int] | None) -> FileEditorObservation:
        if host.is_dir():
            if view_range:
                raise _invalid(
                    "view_range",
                    view_range,
                    "The `view_range` parameter is not allowed when `path` points to a directory.",
                )
            return _observe("view", path, _directory_text(host, path))
        if host.suffix.lower() in IMAGE_SUFFIXES:
            return _image(host, path)
        text = self._read(host, path)
        if not view_range:
            return _observe("view", path, numbered(text, path))
        return _observe("view", path, _ranged(text, path, view_range))

    def _str_replace(self, host: Path, path: str, old: str, new: str) -> FileEditorObservation:
        if new == old:
            raise _invalid(
                "new_str",
                new,
                "No replacement was performed. `new_str` and `old_str` must be different.",
            )
        text = self._read(host, path)
        starts = [m.start() for m in re.finditer(re.escape(old), text)]
        if not starts:
            # NOTE: like the reference, retry with both strings stripped of outer whitespace.
            old, new = old.strip(), new.strip()
            starts = [m.start() for m in re.finditer(re.escape(old), text)]
            if not starts:
                raise EditorError(
                    f"No replacement was performed, old_str `{old}` did not appear verbatim "
                    f"in {path}."
                )
        if len(starts) > 1:
            lines = sorted({text.count("\n", 0, start) + 1 for start in starts})
            raise EditorError(
                f"No replacement was performed. Multiple occurrences of old_str `{old}` in "
                f"lines {lines}. Please ensure it is unique."
            )

        start = starts[0]
        updated = text[:start] + new + text[start + len(old) :]
        self._write(host, path, updated)
        self._remember(path, text)

        line = text.count("\n", 0, start) + 1
        first = max(0, line - SNIPPET_CONTEXT)
        last = line + SNIPPET_CONTEXT + new.count("\n")
        snippet = numbered(_lines(updated, first + 1, last), f"a snippet of {path}", first + 1)
        message = (
            f"The file {path} has been edited. {snippet}Review the changes and make sure they "
            "are as expected. Edit the file again if necessary."
        )
        return _observe("str_replace", path, message, old_content=text, new_content=updated)

    def _insert(self, host: Path, path: str, line: int, new: str) -> FileEditorObservation:
        text = self._read(host, path)
        count = _line_count(text)
        if line < 0 or line > count:
            raise _invalid(
                "insert_line",
                line,
                f"It should be within the range of allowed values: {[0, count]}",
            )

        kept = text.splitlines(keepends=True)
        added = new.split("\n")
        updated = "".join(kept[:line]) + "".join(f"{part}\n" for part in added)
        updated += "".join(kept[line:])
        self._write(host, path, updated)
        self._remember(path, text)

        first = max(0, line - SNIPPET_CONTEXT)
        last = min(count + len(added), line + SNIPPET_CONTEXT + len(added))
        snippet = numbered(
            _lines(updated, first + 1, last),
            "a snippet of the edited file",
            max(1, line - SNIPPET_CONTEXT + 1),
        )
        message = (
            f"The file {path} has been edited. {snippet}Review the changes and make sure they "
            "are as expected (correct indentation, no duplicate lines, etc). Edit the file "
            "again if necessary."
        )
        return _observe("insert", path, message, old_content=text, new_content=updated)

    def _undo(self, host: Path, path: str) -> FileEditorObservation:
        current = self._read(host, path)
        history = self._history.get(path)
        if not history:
            raise EditorError(f"No edit history found for {path}.")
        previous = history.pop()
        self._write(host, path, previous)
        message = f"Last edit to {path} undone successfully. {numbered(previous, path)}"
        return _observe("undo_edit", path, message, old_content=current, new_content=previous)


def _observe(
    command: FileEditorCommand,
    path: str,
    text: str,
    old_content: str | None = None,
    new_content: str | None = None,
) -> FileEditorObservation:
    return FileEditorObservation(
        content=[TextContent(text=text)],
        command=command,
        path=path,
        prev_exist=True,
        old_content=old_content,
        new_content=new_content,
    )


def _ranged(text: str, path: str, view_range: list[int]) -> str:
    count = _line_count(text)
    if len(view_range) != 2:
        raise _invalid("view_range", view_range, "It should be a list of two integers.")
    first, last = view_range
    if first < 1 or first > count:
        raise _invalid(
            "view_range",
            view_range,
            f"Its first element `{first}` should be within the range of lines of the file: "
            f"{[1, count]}.",
        )
    warning = ""
    if last == -1:
        last = count
    elif last > count:
        warning = (
            f"NOTE: We only show up to {count} since there're only {count} lines in this file.\n"
        )
        last = count
    if last < first:
        raise _invalid(
            "view_range",
            view_range,
            f"Its second element `{last}` should be greater than or equal to the first element "
            f"`{first}`.",
        )
    return warning + numbered("\n".join(_lines(text, first, last).splitlines()), path, first)


def _directory_text(host: Path, path: str) -> str:
    """Non-hidden entries two levels deep, as sandbox paths, directories ending in '/'."""
    root = path.rstrip("/") or "/"

    def shown(entry: Path) -> str:
        relative = entry.relative_to(host).as_posix()
        display = root if relative == "." else f"{root.rstrip('/')}/{relative}"
        return display + "/" if entry.is_dir() else display

    entries = [host]
    for child in sorted(host.iterdir(), key=str):
        if child.name.startswith("."):
            continue
        entries.append(child)
        if child.is_dir():
            try:
                entries += [
                    grandchild
                    for grandchild in sorted(child.iterdir(), key=str)
                    if not grandchild.name.startswith(".")
                ]
            except OSError:
                pass
    hidden = sum(1 for child in host.iterdir() if child.name.startswith("."))
    text = (
        f"Here's the files and directories up to 2 levels deep in {root}, excluding hidden "
        "items:\n" + "\n".join(shown(entry) for entry in entries)
    )
    if hidden:
        text += (
            f"\n\n{hidden} hidden files/directories in this directory are excluded. You can use "
            f"'ls -la {root}' to see them."
        )
    return clip(text, MAX_VIEW_CHARS, DIR_CLIPPED_NOTICE)


def _image(host: Path, path: str) -> FileEditorObservation:
    mime, _ = mimetypes.guess_type(host.name)
    if not mime or not mime.startswith("image/"):
        mime = "image/png"
    data = base64.b64encode(host.read_bytes()).decode()
    return FileEditorObservation(
        content=[
            TextContent(text=f"Image file {path} read successfully. Displaying image content."),
            ImageContent(image_urls=[f"data:{mime};base64,{data}"]),
        ],
        command="view",
        path=path,
        prev_exist=True,
    )

"""Turn an LLM tool call into an action Struct, or into the reference's error text.

The reference validates arguments with pydantic; its AgentErrorEvent `error` is pydantic's
message, so this module writes failures in that shape (see `_format`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from ohlocal.errors import ToolArgumentError, UnknownTool
from ohlocal.tools.models import (
    Action,
    FileEditorAction,
    FinishAction,
    TaskTrackerAction,
    TerminalAction,
    ThinkAction,
)
from ohlocal.tools.specs import TOOL_ORDER

PYDANTIC_DOCS = "https://errors.pydantic.dev/2.14/v/"
SECURITY_RISKS = ("UNKNOWN", "LOW", "MEDIUM", "HIGH")

# One validation failure: (location, message, pydantic error type, offending input).
Failure = tuple[tuple[str | int, ...], str, str, object]
# A field check: takes the raw value, returns the coerced value or raises _Bad.
Check = Callable[[object], object]


class ParsedAction(msgspec.Struct, frozen=True):
    """A validated tool call. `security_risk` is the LLM's own rating (None when it gave none
    or an unknown value); `summary` is the LLM's summary, or the reference's fallback
    `"<tool>: <arguments as JSON>"` when it gave none."""

    action: Action
    security_risk: str | None
    summary: str


class _Bad(Exception):
    def __init__(self, message: str, type_: str) -> None:
        super().__init__(message)
        self.message = message
        self.type = type_


def _string(value: object) -> object:
    if not isinstance(value, str):
        raise _Bad("Input should be a valid string", "string_type")
    return value


def _boolean(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "on", "t", "true", "y", "yes"):
            return True
        if lowered in ("0", "off", "f", "false", "n", "no"):
            return False
        raise _Bad("Input should be a valid boolean, unable to interpret input", "bool_parsing")
    raise _Bad("Input should be a valid boolean", "bool_type")


def _integer(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad("Input should be a valid integer", "int_type")
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise _Bad(
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            ) from None
    if isinstance(value, float) and not value.is_integer():
        raise _Bad(
            "Input should be a valid integer, got a number with a fractional part", "int_from_float"
        )
    return int(value)


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad("Input should be a valid number", "float_type")
    try:
        return float(value)
    except ValueError:
        raise _Bad(
            "Input should be a valid number, unable to parse string as a number", "float_parsing"
        ) from None


def _at_least_zero(check: Check) -> Check:
    def checked(value: object) -> object:
        result = check(value)
        if isinstance(result, int | float) and result < 0:
            raise _Bad("Input should be greater than or equal to 0", "greater_than_equal")
        return result

    return checked


def _one_of(*choices: str) -> Check:
    quoted = [f"'{choice}'" for choice in choices]
    expected = ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]

    def checked(value: object) -> object:
        if value not in choices:
            raise _Bad(f"Input should be {expected}", "literal_error")
        return value

    return checked


def _list(value: object) -> object:
    if not isinstance(value, list):
        raise _Bad("Input should be a valid list", "list_type")
    return value


def _optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


class _Field(msgspec.Struct, frozen=True):
    check: Check
    required: bool = False
    items: Check | None = None  # for lists: the check of each item
    nested: dict[str, _Field] | None = None  # for lists of objects


_TASK_ITEM = {
    "title": _Field(_string, required=True),
    "notes": _Field(_string),
    "status": _Field(_one_of("todo", "in_progress", "done")),
}

_FIELDS: dict[str, tuple[type[Action], dict[str, _Field]]] = {
    "terminal": (
        TerminalAction,
        {
            "command": _Field(_string, required=True),
            "is_input": _Field(_boolean),
            "timeout": _Field(_optional(_at_least_zero(_number))),
            "reset": _Field(_boolean),
        },
    ),
    "file_editor": (
        FileEditorAction,
        {
            "command": _Field(
                _one_of("view", "create", "str_replace", "insert", "undo_edit"), required=True
            ),
            "path": _Field(_string, required=True),
            "file_text": _Field(_optional(_string)),
            "old_str": _Field(_optional(_string)),
            "new_str": _Field(_optional(_string)),
            "insert_line": _Field(_optional(_at_least_zero(_integer))),
            "view_range": _Field(_optional(_list), items=_integer),
        },
    ),
    "finish": (FinishAction, {"message": _Field(_string, required=True)}),
    "think": (ThinkAction, {"thought": _Field(_string, required=True)}),
    "task_tracker": (
        TaskTrackerAction,
        {
            "command": _Field(_one_of("view", "plan")),
            "task_list": _Field(_list, nested=_TASK_ITEM),
        },
    ),
}


def _validate(
    fields: dict[str, _Field], data: dict[str, Any], loc: tuple[str | int, ...]
) -> tuple[dict[str, Any], list[Failure]]:
    """Coerce `data` field by field the way pydantic's lax mode would; collect every failure."""
    clean: dict[str, Any] = {}
    failures: list[Failure] = []
    for name, field in fields.items():
        if name not in data:
            if field.required:
                failures.append(((*loc, name), "Field required", "missing", data))
            continue
        try:
            value = field.check(data[name])
        except _Bad as bad:
            failures.append(((*loc, name), bad.message, bad.type, data[name]))
            continue
        if isinstance(value, list):
            value, more = _validate_items(field, value, (*loc, name))
            failures += more
        clean[name] = value
    for name, value in data.items():
        if name not in fields:
            failures.append(
                ((*loc, name), "Extra inputs are not permitted", "extra_forbidden", value)
            )
    return clean, failures


def _validate_items(
    field: _Field, items: list[Any], loc: tuple[str | int, ...]
) -> tuple[list[Any], list[Failure]]:
    clean: list[Any] = []
    failures: list[Failure] = []
    for index, item in enumerate(items):
        if field.nested is not None:
            if not isinstance(item, dict):
                failures.append(
                    ((*loc, index), "Input should be a valid dictionary", "dict_type", item)
                )
                continue
            value, more = _validate(field.nested, item, (*loc, index))
            # NOTE: TaskItem is not extra="forbid" in the reference; unknown keys are dropped.
            failures += [f for f in more if f[2] != "extra_forbidden"]
            clean.append(value)
        elif field.items is not None:
            try:
                clean.append(field.items(item))
            except _Bad as bad:
                failures.append(((*loc, index), bad.message, bad.type, item))
    return clean, failures


def _input_repr(value: object) -> str:
    text = repr(value)
    # NOTE: pydantic shortens long input values in the middle; the cut points are ours.
    if len(text) > 100:
        text = text[:49] + "..." + text[-48:]
    return text


def _format(model: str, failures: list[Failure]) -> str:
    """pydantic's ValidationError text for `failures` on `model`."""
    count = len(failures)
    lines = [f"{count} validation error{'s' if count > 1 else ''} for {model}"]
    for loc, message, type_, value in failures:
        lines.append(".".join(str(part) for part in loc))
        lines.append(
            f"  {message} [type={type_}, input_value={_input_repr(value)}, "
            f"input_type={type(value).__name__}]"
        )
        lines.append(f"    For further information visit {PYDANTIC_DOCS}{type_}")
    return "\n".join(lines)


def decode_arguments(tool_name: str, raw: str) -> dict[str, Any]:
    """The tool call's JSON arguments as a dict; ToolArgumentError with the reference's text
    when they are not a JSON object."""
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise ToolArgumentError(
            tool_name,
            f"Error validating tool '{tool_name}': {exc}. Arguments: unparseable JSON",
        ) from None
    if not isinstance(arguments, dict):
        raise ToolArgumentError(
            tool_name,
            f"Error validating tool '{tool_name}': arguments must be a JSON object. "
            f"Arguments: {raw}",
        )
    return arguments


def parse_action(
    tool_name: str, arguments: dict[str, Any], tools: Sequence[str] = TOOL_ORDER
) -> ParsedAction:
    """Validate one tool call of the LLM against the tools offered (`tools`, in the order the
    agent lists them). Raises UnknownTool or ToolArgumentError, whose message is the
    reference's AgentErrorEvent `error`."""
    if tool_name not in tools or tool_name not in _FIELDS:
        raise UnknownTool(tool_name, list(tools))
    arguments = dict(arguments)
    risk = arguments.pop("security_risk", None)
    summary = arguments.pop("summary", None)
    action_type, fields = _FIELDS[tool_name]

    clean, failures = _validate(fields, arguments, ())
    if failures:
        raise ToolArgumentError(
            tool_name,
            f"Error validating tool '{tool_name}': {_format(action_type.__name__, failures)}. "
            f"Parameters provided: {list(arguments)!r}",
        )

    action = msgspec.convert(clean, action_type)
    if not isinstance(summary, str) or not summary:
        summary = f"{tool_name}: {json.dumps(arguments)}"
    return ParsedAction(
        action=action,
        security_risk=risk if risk in SECURITY_RISKS else None,
        summary=summary,
    )

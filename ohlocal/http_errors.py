"""The one map from errors to HTTP responses, in the reference's bodies: `{"detail": "..."}`,
and 422 with a FastAPI-style detail list for invalid input."""

from __future__ import annotations

import enum
import logging
import re
import types
import typing
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from ohlocal.auth import UNAUTHORIZED_DETAIL, agent_key_accepted, app_key_accepted
from ohlocal.errors import (
    AppConversationSandboxFailed,
    AppError,
    BackendError,
    BackendUnavailable,
    BadRequest,
    ConfigError,
    Conflict,
    FeatureDisabled,
    Gone,
    InvalidInput,
    LegacySettingsKeys,
    NotFound,
    PathEscapes,
    PathNotAllowed,
    RunnerUnavailable,
    SandboxNotRunning,
    SettingsNotFound,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
)

logger = logging.getLogger(__name__)

MALFORMED_JSON = "JSON is malformed"

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: list[tuple[type[AppError], int]] = [
    (InvalidInput, 422),
    (LegacySettingsKeys, 422),
    (Unprocessable, 422),
    (BadRequest, 400),
    (PathEscapes, 403),
    (PathNotAllowed, 400),
    (Unauthorized, 401),
    (NotFound, 404),
    (Gone, 410),
    (TooManyRequests, 429),
    (AppConversationSandboxFailed, 503),
    (SandboxNotRunning, 503),
    (Conflict, 409),
    (BackendUnavailable, 503),
    (FeatureDisabled, 503),
    (RunnerUnavailable, 503),
    (BackendError, 502),
    (ConfigError, 500),
]


def status_for(exc: AppError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def detail_response(status: int, detail: Any) -> Response[Any]:
    return Response(content={"detail": detail}, status_code=status, media_type="application/json")


def validation_item(
    loc: tuple[str | int, ...], msg: str, type_: str, input_: Any
) -> dict[str, Any]:
    return {"type": type_, "loc": list(loc), "msg": msg, "input": input_}


# NOTE: the reference's settings routes answer with `{"error": ...}` instead of `detail`
# (transcript: GET before any POST, POST with legacy keys).
ERROR_BODY_ERRORS = (SettingsNotFound, LegacySettingsKeys)


def _error_body(exc: AppError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.message}
    if isinstance(exc, LegacySettingsKeys):
        body["keys"] = exc.keys
    return body


def app_error_handler(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    if isinstance(exc, InvalidInput):
        return detail_response(422, [validation_item(exc.loc, exc.message, exc.type, exc.input)])
    if isinstance(exc, ERROR_BODY_ERRORS):
        return Response(content=_error_body(exc), status_code=status_for(exc))
    status = status_for(exc)
    if status >= 500:
        logger.error("request failed path=%s error=%s", request.url.path, exc.message)
    return detail_response(status, exc.message)


_CONSTRAINT = re.compile(r"Expected `(\w+)` (>=|>|<=|<) (-?[\d.]+)")
_MISSING = re.compile(r"Missing required (query|header|path|cookie) parameter '([^']+)'")
_CONSTRAINT_WORDS = {
    ">": ("greater_than", "greater than", "gt"),
    ">=": ("greater_than_equal", "greater than or equal to", "ge"),
    "<": ("less_than", "less than", "lt"),
    "<=": ("less_than_equal", "less than or equal to", "le"),
}


def _translate(item: dict[str, Any], request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Turn one Litestar/msgspec validation message into a pydantic-style detail item."""
    message = str(item.get("message", "invalid value"))
    source = item.get("source") or "body"
    key = item.get("key")
    loc: tuple[str | int, ...] = (source, key) if key else (source,)
    raw: Any = request.query_params.get(key) if source == "query" and key else None
    if match := _CONSTRAINT.search(message):
        op, bound_text = match.group(2), match.group(3)
        bound: Any = float(bound_text) if "." in bound_text else int(bound_text)
        if op == ">=" and isinstance(bound, int):
            # NOTE: msgspec turns an integer gt=N into >= N+1; report it as the gt=N it was.
            op, bound = ">", bound - 1
        type_, words, ctx_key = _CONSTRAINT_WORDS[op]
        out = validation_item(loc, f"Input should be {words} {bound}", type_, raw)
        out["ctx"] = {ctx_key: bound}
        return out
    if missing := _MISSING.search(message):
        return validation_item(
            (missing.group(1), missing.group(2)), "Field required", "missing", None
        )
    if "Object missing required field" in message or "Missing required" in message:
        return validation_item(loc, "Field required", "missing", None)
    if "Expected `object`" in message:
        body_loc: tuple[str | int, ...] = ("body",) if key in (None, "data") else loc
        return validation_item(body_loc, "Input should be a valid dictionary", "dict_type", None)
    if "Expected `int`" in message:
        return validation_item(
            loc,
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
            raw,
        )
    if "Invalid enum value" in message or "Expected" in message and "enum" in message:
        return _enum_item(loc, message, raw, request, key)
    return validation_item(loc, message, "value_error", raw)


def _enum_item(
    loc: tuple[str | int, ...],
    message: str,
    raw: Any,
    request: Request[Any, Any, Any],
    key: str | None,
) -> dict[str, Any]:
    """pydantic's enum error: the allowed values in `msg` and `ctx.expected`, taken from the
    handler parameter's enum type."""
    try:
        parameter = request.route_handler.parsed_fn_signature.parameters[key or ""]
        values = [f"'{member.value}'" for member in _unwrap(parameter.annotation)]
    except (KeyError, TypeError, AttributeError):
        return validation_item(loc, message, "enum", raw)
    expected = " or ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)
    out = validation_item(loc, f"Input should be {expected}", "enum", raw)
    out["ctx"] = {"expected": expected}
    return out


def _body_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """`("body", "a.b")` as pydantic spells it: `("body", "a", "b")`, list indexes as ints."""
    if len(loc) != 2 or loc[0] != "body" or not isinstance(loc[1], str):
        return loc
    parts = loc[1].replace("[", ".").replace("]", "").split(".")
    return ("body", *(int(p) if p.isdigit() else p for p in parts if p))


def _unwrap(tp: Any) -> Any:
    """`T | None` as `T`."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        options = [t for t in typing.get_args(tp) if t is not type(None)]
        return options[0] if len(options) == 1 else tp
    return tp


def _literal_values(request: Request[Any, Any, Any], path: tuple[str | int, ...]) -> list[str]:
    """The allowed values of the Literal or enum field at `path` of the handler's body type,
    in declaration order."""
    try:
        tp: Any = request.route_handler.parsed_fn_signature.parameters["data"].annotation
    except (KeyError, AttributeError):
        return []
    for part in path:
        tp = _unwrap(tp)
        if isinstance(part, int) and typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        elif isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            tp = next((f.type for f in msgspec.structs.fields(tp) if f.name == part), None)
        else:
            return []
    tp = _unwrap(tp)
    if typing.get_origin(tp) is typing.Literal:
        return [str(v) for v in typing.get_args(tp)]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return [str(member.value) for member in tp]
    return []


def _body_item(item: dict[str, Any], request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """pydantic's literal error for an invalid enum or Literal value in the body."""
    message = str(item.get("message", ""))
    key = item.get("key")
    if item.get("source") != "body" or not key or "Invalid enum value" not in message:
        return None
    loc = _body_loc(("body", key))
    values = _literal_values(request, loc[1:])
    if not values:
        return None
    expected = " or ".join(
        [", ".join(f"'{v}'" for v in values[:-1]), f"'{values[-1]}'"]
        if len(values) > 1
        else [f"'{values[0]}'"]
    )
    bad = message.split("'", 2)[1] if message.count("'") >= 2 else None
    out = validation_item(loc, f"Input should be {expected}", "literal_error", bad)
    out["ctx"] = {"expected": expected}
    return out


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    items = [
        _body_item(item, request) or _translate(item, request)
        for item in extra
        if isinstance(item, dict)
    ]
    for item in items:
        item["loc"] = list(_body_loc(tuple(item["loc"])))
    if not items:
        items = [_translate({"message": str(exc.detail)}, request)]
    return detail_response(422, items)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    scope = request.scope
    if exc.status_code in (404, 405) and not (
        agent_key_accepted(scope) and app_key_accepted(scope)
    ):
        # No route answered, but under an agent prefix an unkeyed caller learns nothing more.
        return detail_response(401, UNAUTHORIZED_DETAIL)
    if exc.status_code == 400 and str(exc.detail).startswith(MALFORMED_JSON):
        # NOTE: the reference answers a body that is not JSON with pydantic's 422 item.
        error = str(exc.detail)[len(MALFORMED_JSON) :].lstrip(": ")
        item = validation_item(("body", 1), "JSON decode error", "json_invalid", {})
        item["ctx"] = {"error": error}
        return detail_response(422, [item])
    if exc.status_code == 404:
        return detail_response(404, "Not Found")
    if exc.status_code == 405:
        return detail_response(405, "Method Not Allowed")
    return detail_response(exc.status_code, exc.detail)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unexpected error path=%s", request.url.path)
    return detail_response(HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error")


# The body every error response has (see the handlers above): `detail` is a text, or for 422
# the list of validation items.
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"anyOf": [{"type": "string"}, {"type": "array"}]}},
}


def document_error_responses(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (an OpenAPI dict) with Litestar's default 4xx response bodies, which these
    handlers never send, replaced by ERROR_BODY_SCHEMA."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not status.startswith("4"):
                    continue
                for media in (response.get("content") or {}).values():
                    media["schema"] = ERROR_BODY_SCHEMA
    return document


EXCEPTION_HANDLERS: dict[Any, Any] = {
    AppError: app_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_exception_handler,
    Exception: unexpected_error_handler,
}

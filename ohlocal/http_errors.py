"""The one map from errors to HTTP responses, in the reference's bodies: `{"detail": "..."}`,
and 422 with a FastAPI-style detail list for invalid input."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from ohlocal.auth import UNAUTHORIZED_DETAIL, agent_key_accepted, app_key_accepted
from ohlocal.errors import (
    AppError,
    BackendError,
    BackendUnavailable,
    BadRequest,
    ConfigError,
    Conflict,
    FeatureDisabled,
    InvalidInput,
    NotFound,
    PathEscapes,
    PathNotAllowed,
    RunnerUnavailable,
    SandboxNotRunning,
    Unauthorized,
)

logger = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: list[tuple[type[AppError], int]] = [
    (InvalidInput, 422),
    (BadRequest, 400),
    (PathEscapes, 403),
    (PathNotAllowed, 400),
    (Unauthorized, 401),
    (NotFound, 404),
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


def app_error_handler(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    if isinstance(exc, InvalidInput):
        return detail_response(422, [validation_item(exc.loc, exc.message, exc.type, exc.input)])
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
        values = [f"'{member.value}'" for member in parameter.annotation]
    except (KeyError, TypeError, AttributeError):
        return validation_item(loc, message, "enum", raw)
    expected = " or ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)
    out = validation_item(loc, f"Input should be {expected}", "enum", raw)
    out["ctx"] = {"expected": expected}
    return out


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    items = [_translate(item, request) for item in extra if isinstance(item, dict)]
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

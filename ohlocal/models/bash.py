"""Bash wire models: `BashCommand`, `BashOutput`, `BashError`, `BashEventPage` and the request."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal

import msgspec

from ohlocal.models.base import Model

# NOTE: the reference's default ExecuteBashRequest.timeout, in seconds.
DEFAULT_TIMEOUT = 300


class BashEventSortOrder(enum.StrEnum):
    TIMESTAMP = "TIMESTAMP"
    TIMESTAMP_DESC = "TIMESTAMP_DESC"


class BashEventKind(enum.StrEnum):
    BashCommand = "BashCommand"
    BashOutput = "BashOutput"


class ExecuteBashRequest(Model, kw_only=True):
    command: str
    cwd: str | None = None
    timeout: int = DEFAULT_TIMEOUT


# NOTE: bash event ids are 32-character hex UUIDs and timestamps are UTC with a `Z` suffix,
# unlike conversation events (recordings/bash_endpoints.json).
class BashCommand(Model, kw_only=True, tag_field="kind", tag="BashCommand"):
    command: str
    cwd: str | None = None
    timeout: int = DEFAULT_TIMEOUT
    id: str
    timestamp: datetime


class BashOutput(Model, kw_only=True, tag_field="kind", tag="BashOutput"):
    id: str
    timestamp: datetime
    command_id: str
    order: int = 0
    exit_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None


class BashError(Model, kw_only=True, tag_field="kind", tag="BashError"):
    id: str
    timestamp: datetime
    code: str
    detail: str


BashEvent = BashCommand | BashOutput | BashError


class BashEventPage(Model, kw_only=True):
    items: list[BashCommand | BashOutput | BashError]
    next_page_id: str | None = None


class BashEventQuery(msgspec.Struct, kw_only=True, frozen=True):
    """Exact filters of a bash event search (not a wire model); None means "any"."""

    kind: BashEventKind | None = None
    command_id: str | None = None
    order_gt: int | None = None
    # UTC, like the stored timestamps.
    timestamp_gte: datetime | None = None
    timestamp_lt: datetime | None = None
    descending: bool = False
    # The sort key of the first event to return (a `next_page_id`).
    start_key: str | None = None


class SocketAuth(msgspec.Struct, kw_only=True):
    """The first-message auth frame of the agent server's websockets."""

    type: Literal["auth"]
    session_api_key: str

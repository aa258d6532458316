"""Sandbox wire models: `SandboxInfo`, `SandboxPage`, `ExposedUrl`, `SandboxStatus`."""

from __future__ import annotations

import enum
from datetime import datetime

from ohlocal.models.base import Model


class SandboxStatus(enum.StrEnum):
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    ERROR = "ERROR"
    MISSING = "MISSING"


class ExposedUrl(Model, kw_only=True):
    name: str
    url: str
    port: int


class SandboxInfo(Model, kw_only=True):
    id: str
    created_by_user_id: str | None = None
    sandbox_spec_id: str
    status: SandboxStatus
    # NOTE: the reference nulls session_api_key and exposed_urls unless the sandbox is RUNNING.
    session_api_key: str | None = None
    exposed_urls: list[ExposedUrl] | None = None
    created_at: datetime


class SandboxPage(Model, kw_only=True):
    items: list[SandboxInfo]
    next_page_id: str | None = None


class SandboxRecord(Model, kw_only=True):
    """A sandbox as the store keeps it (internal, never sent as is)."""

    id: str
    sandbox_spec_id: str
    status: SandboxStatus
    session_api_key: str
    created_at: datetime
    # Backend handle: a container id (podman) or a process id (process backend).
    handle: str | None = None
    worker_ports: list[int] = []
    # How the sandbox was paused ("freezer", "signal" or "stop"), None while not paused.
    pause_mode: str | None = None
    detail: str | None = None

"""What `{AGENT_SERVER}/server_info` reports: the reference agent server's `ServerInfo`."""

from __future__ import annotations

from typing import Literal

import msgspec

from ohlocal.models.base import Model

REFERENCE_VERSION = "1.58.2"


class AgentServerInfo(Model, kw_only=True):
    uptime: float
    idle_time: float
    title: str = "OpenHands Agent Server"
    version: str = REFERENCE_VERSION
    sdk_version: str = REFERENCE_VERSION
    tools_version: str = REFERENCE_VERSION
    workspace_version: str = REFERENCE_VERSION
    build_git_sha: str = "unknown"
    build_git_ref: str = "unknown"
    python_version: str
    usable_tools: list[str] = msgspec.field(default_factory=list)
    runtime_idle_timeout_seconds: float | None = None
    conversation_runtime: Literal["local", "docker"] = "local"
    available_conversation_runtimes: list[Literal["local", "docker"]] = msgspec.field(
        default_factory=lambda: ["local"]
    )
    capabilities: list[str] = msgspec.field(default_factory=list)
    app_backend_ingress_url: str | None = None
    max_foreground_terminal_timeout_seconds: float | None = None
    docs: str = "/docs"
    redoc: str = "/redoc"

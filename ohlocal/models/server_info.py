"""What `/server_info` reports for the App Server and for each sandbox's Agent Server."""

from __future__ import annotations

from ohlocal.models.base import Model


class BackendInfo(Model, kw_only=True):
    """The sandbox backend as ohlocal found it at start-up."""

    name: str
    isolated: bool
    rootless: bool | None = None
    pause_mode: str
    podman_version: str | None = None
    image: str | None = None


class ServerInfo(Model, kw_only=True):
    title: str = "ohlocal"
    version: str
    app_server_version: str
    agent_server_version: str
    uptime: float
    idle_time: float
    sandbox_backend: BackendInfo

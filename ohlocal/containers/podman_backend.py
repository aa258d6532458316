"""Podman sandboxes through podman-py. podman-py blocks, so every call runs in a worker thread;
nothing outside this package imports podman."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from podman import PodmanClient
from podman.errors import APIError, NotFound, PodmanError

from ohlocal.containers.base import (
    RuntimeState,
    SandboxLayout,
    StartedSandbox,
    home_tag,
    run_root,
    shim_source_dir,
)
from ohlocal.containers.podman_service import PodmanService, ping
from ohlocal.containers.shim_client import (
    RUN_DIR_IN_SANDBOX,
    SHIM_DIR_IN_SANDBOX,
    SOCKET_NAME,
    ShimClient,
)
from ohlocal.errors import BackendError, BackendUnavailable
from ohlocal.models.server_info import BackendInfo

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ohlocal.settings import SandboxSpecConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")

LABEL_SANDBOX = "ohlocal.sandbox"
LABEL_HOME = "ohlocal.home"
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 2
# Freeze every process but PID 1 (catatonit) and the caller; see PODMAN.md §5.
_FREEZE = "kill -STOP -1"
_THAW = "kill -CONT -1"


def shim_command(spec: SandboxSpecConfig) -> list[str]:
    """The container's command: the helper, which also starts the spec's own command if any."""
    argv = [
        "python3",
        f"{SHIM_DIR_IN_SANDBOX}/shim.py",
        "--socket",
        f"{RUN_DIR_IN_SANDBOX}/{SOCKET_NAME}",
        "--workdir",
        spec.working_dir,
    ]
    if spec.command:
        argv += ["--service-command", " ".join(spec.command)]
    return argv


class PodmanBackend:
    """Runs each sandbox as one labelled container with its workspace bind-mounted."""

    def __init__(
        self, client: PodmanClient, home: Path, info: BackendInfo, service: PodmanService | None
    ) -> None:
        self._client = client
        self._home_tag = home_tag(home)
        self._info = info
        self._service = service

    @classmethod
    async def connect(cls, home: Path, podman_url: str | None, image: str) -> PodmanBackend:
        """Reach Podman (starting ohlocal's own service unless `podman_url` is given)."""
        return await anyio.to_thread.run_sync(cls._connect_sync, home, podman_url, image)

    @classmethod
    def _connect_sync(cls, home: Path, podman_url: str | None, image: str) -> PodmanBackend:
        service = None
        if podman_url is None:
            state_dir = home / "podman"
            socket = run_root(home) / "podman.sock"
            service = PodmanService(state_dir, socket)
            podman_url = service.start()
        elif not ping(podman_url):
            raise BackendUnavailable(f"no Podman API service answers at {podman_url}")
        client = PodmanClient(base_url=podman_url)
        try:
            host = client.info()["host"]  # type: ignore[no-untyped-call]  # podman-py is untyped
            version = client.version().get("Version")  # type: ignore[no-untyped-call]  # idem
            has_image = client.images.exists(image)
        except (APIError, PodmanError, OSError) as exc:
            if service:
                service.stop()
            raise BackendUnavailable(f"Podman at {podman_url} failed: {exc}") from exc
        rootless = bool(host.get("security", {}).get("rootless"))
        cgroup_v1 = host.get("cgroupVersion") == "v1"
        info = BackendInfo(
            name="podman",
            isolated=True,
            rootless=rootless,
            pause_mode="signal" if rootless and cgroup_v1 else "freezer",
            podman_version=version,
            image=image,
        )
        if not has_image:
            logger.warning("sandbox image missing image=%s fix='ohlocal image build'", image)
        return cls(client, home, info, service)

    @property
    def info(self) -> BackendInfo:
        return self._info

    async def has_image(self) -> bool:
        return bool(await self._call(self._client.images.exists, self._info.image))

    def working_dir(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> str:
        return spec.working_dir

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        except NotFound:
            raise
        except (APIError, PodmanError, OSError) as exc:
            raise BackendError(f"podman: {exc}") from exc

    async def start(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> StartedSandbox:
        layout.workspace.mkdir(parents=True, exist_ok=True)
        layout.run_dir.mkdir(parents=True, exist_ok=True)
        (layout.socket_path).unlink(missing_ok=True)
        container = await self._call(self._create_and_start, spec, layout)
        await _wait_ready(ShimClient(layout.socket_path), lambda: self.state(container.id))
        await self._call(container.reload)
        return StartedSandbox(
            handle=container.id, worker_ports=_published_ports(container.attrs, spec)
        )

    def _create_and_start(self, spec: SandboxSpecConfig, layout: SandboxLayout) -> Any:
        if not self._client.images.exists(spec.image):
            raise BackendUnavailable(
                f"sandbox image '{spec.image}' is not in Podman's store; run 'ohlocal image build'"
            )
        container = self._client.containers.create(
            spec.image,
            command=shim_command(spec),
            name=f"ohlocal-{layout.sandbox_id}",
            labels={LABEL_SANDBOX: layout.sandbox_id, LABEL_HOME: self._home_tag},
            init=True,
            environment=dict(spec.initial_env),
            working_dir=spec.working_dir,
            mounts=[
                {"type": "bind", "source": str(layout.workspace), "target": spec.working_dir},
                {"type": "bind", "source": str(layout.run_dir), "target": RUN_DIR_IN_SANDBOX},
                {
                    "type": "bind",
                    "source": str(shim_source_dir()),
                    "target": SHIM_DIR_IN_SANDBOX,
                    "read_only": True,
                },
            ],
            ports={f"{port}/tcp": ("127.0.0.1", 0) for port in spec.worker_ports},
        )
        try:
            container.start()
        except (APIError, PodmanError):
            container.remove(force=True)
            raise
        return container

    async def state(self, handle: str) -> RuntimeState:
        try:
            container = await self._call(self._client.containers.get, handle)
        except NotFound:
            return RuntimeState.MISSING
        return _runtime_state(container.attrs["State"]["Status"])

    async def owned(self) -> dict[str, tuple[str, RuntimeState]]:
        listed = await self._call(
            lambda: self._client.containers.list(
                all=True, filters=[f"label={LABEL_HOME}={self._home_tag}"]
            )
        )
        found: dict[str, tuple[str, RuntimeState]] = {}
        for container in listed:
            # NOTE: sparse list results hold State as a plain string (PODMAN.md §2, quirk 3).
            state = container.attrs.get("State")
            status = state if isinstance(state, str) else (state or {}).get("Status", "")
            sandbox_id = (container.attrs.get("Labels") or {}).get(LABEL_SANDBOX)
            if sandbox_id:
                found[sandbox_id] = (container.id, _runtime_state(status))
        return found

    async def pause(self, handle: str, layout: SandboxLayout) -> str:
        container = await self._get(handle)
        if self._info.pause_mode == "freezer":
            await self._call(container.pause)
            return "freezer"
        # Rootless on cgroup v1 cannot freeze; stop every process by signal instead.
        await ShimClient(layout.socket_path).exec(_FREEZE)
        await self._call(lambda: container.kill(signal="SIGSTOP"))
        return "signal"

    async def resume(self, handle: str, layout: SandboxLayout, pause_mode: str | None) -> None:
        container = await self._get(handle)
        if pause_mode == "freezer":
            await self._call(container.unpause)
        elif pause_mode == "signal":
            await self._call(lambda: container.kill(signal="SIGCONT"))
            await ShimClient(layout.socket_path).exec(_THAW)
        elif pause_mode == "stop":
            await self._call(container.start)
            await _wait_ready(ShimClient(layout.socket_path), lambda: self.state(handle))

    async def remove(self, handle: str) -> None:
        try:
            container = await self._call(self._client.containers.get, handle)
            await self._call(lambda: container.remove(force=True, timeout=STOP_TIMEOUT))
        except NotFound:
            return

    async def _get(self, handle: str) -> Any:
        try:
            return await self._call(self._client.containers.get, handle)
        except NotFound as exc:
            raise BackendError(f"container {handle[:12]} is gone") from exc

    async def close(self) -> None:
        await anyio.to_thread.run_sync(self._client.close)
        if self._service is not None:
            await anyio.to_thread.run_sync(self._service.stop)


def _runtime_state(status: str) -> RuntimeState:
    if status == "running":
        return RuntimeState.RUNNING
    if status == "paused":
        return RuntimeState.PAUSED
    return RuntimeState.EXITED


def _published_ports(attrs: dict[str, Any], spec: SandboxSpecConfig) -> list[int]:
    ports = (attrs.get("NetworkSettings") or {}).get("Ports") or {}
    found = []
    for port in spec.worker_ports:
        bindings = ports.get(f"{port}/tcp") or []
        if bindings:
            found.append(int(bindings[0]["HostPort"]))
    return found


async def _wait_ready(client: ShimClient, state: Callable[[], Any]) -> None:
    with anyio.move_on_after(READY_TIMEOUT):
        while True:
            try:
                await client.ping()
                return
            except BackendError:
                if await state() is not RuntimeState.RUNNING:
                    raise BackendError("sandbox container exited while starting") from None
                await anyio.sleep(0.01)
    raise BackendError(f"sandbox helper did not answer within {READY_TIMEOUT} s")

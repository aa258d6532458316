"""Sandboxes: start, list, pause, resume, delete, and keep the store in step with the backend."""

from __future__ import annotations

import hmac
import logging
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

from ohlocal.containers.base import Backend, RuntimeState, SandboxLayout, sandbox_layout
from ohlocal.containers.shim_client import ShimClient
from ohlocal.errors import (
    BackendError,
    BadRequest,
    Conflict,
    SandboxNotFound,
    SandboxNotRunning,
    Unauthorized,
)
from ohlocal.ids import new_sandbox_id, new_session_api_key
from ohlocal.models.base import utc_now
from ohlocal.models.sandbox import (
    ExposedUrl,
    SandboxInfo,
    SandboxPage,
    SandboxRecord,
    SandboxStatus,
)
from ohlocal.services.file_service import host_path_in
from ohlocal.services.paging import next_page_id, page_offset

if TYPE_CHECKING:
    from pathlib import Path

    from ohlocal.services.sandbox_spec_service import SandboxSpecService
    from ohlocal.store.sandbox_store import SandboxStore

logger = logging.getLogger(__name__)

# How long POST /sandboxes waits for the sandbox to run before answering STARTING.
START_WAIT = 15.0
MAX_BATCH = 100

# Starts a background task in the app's task group (TaskGroup.start_soon).
Spawn = Callable[..., object]


class SandboxRuntime:
    """What agent-side services need to work in one running sandbox."""

    def __init__(self, record: SandboxRecord, layout: SandboxLayout, working_dir: str) -> None:
        self.record = record
        self.layout = layout
        self.working_dir = working_dir
        self.shim = ShimClient(layout.socket_path)

    def host_path(self, sandbox_path: str) -> Path | None:
        """The host path of `sandbox_path` when it lies in the bind-mounted workspace (after
        normalising `..`); None when it lies elsewhere in the sandbox."""
        return host_path_in(self.layout.workspace, self.working_dir, sandbox_path)


class SandboxService:
    def __init__(
        self,
        store: SandboxStore,
        specs: SandboxSpecService,
        backend: Backend,
        home: Path,
        base_url: Callable[[], str],
        spawn: Spawn,
    ) -> None:
        self._store = store
        self._specs = specs
        self._backend = backend
        self._home = home
        self._base_url = base_url
        self._spawn = spawn
        self._locks: dict[str, anyio.Lock] = {}
        self._starting: dict[str, anyio.Event] = {}
        # Session keys by sandbox id, so that auth needs no query (loaded by adopt()).
        self._keys: dict[str, str] = {}

    def _lock(self, sandbox_id: str) -> anyio.Lock:
        return self._locks.setdefault(sandbox_id, anyio.Lock())

    # ----- reading -----

    def to_info(self, record: SandboxRecord) -> SandboxInfo:
        running = record.status is SandboxStatus.RUNNING
        return SandboxInfo(
            id=record.id,
            sandbox_spec_id=record.sandbox_spec_id,
            status=record.status,
            session_api_key=record.session_api_key if running else None,
            exposed_urls=self._exposed_urls(record) if running else None,
            created_at=record.created_at,
        )

    def agent_server_url(self, sandbox_id: str) -> str:
        """The sandbox's `AGENT_SERVER` URL (its agent routes under this server's prefix)."""
        return f"{self._base_url()}/agent/{sandbox_id}"

    def _exposed_urls(self, record: SandboxRecord) -> list[ExposedUrl]:
        base = self._base_url()
        port = int(base.rsplit(":", 1)[1].split("/")[0]) if base.count(":") == 2 else 80
        url = self.agent_server_url(record.id)
        urls = [ExposedUrl(name="AGENT_SERVER", url=url, port=port)]
        for index, host_port in enumerate(record.worker_ports[:2], start=1):
            urls.append(
                ExposedUrl(
                    name=f"WORKER_{index}", url=f"http://127.0.0.1:{host_port}", port=host_port
                )
            )
        return urls

    async def get_record(self, sandbox_id: str) -> SandboxRecord:
        record = await self._store.get(sandbox_id)
        if record is None:
            raise SandboxNotFound(sandbox_id)
        return record

    async def search_sandboxes(self, page_id: str | None, limit: int) -> SandboxPage:
        offset = page_offset(page_id)
        records = await self._store.search(offset, limit + 1)
        items = [self.to_info(r) for r in records[:limit]]
        return SandboxPage(
            items=items, next_page_id=next_page_id(offset, limit, len(items), len(records) > limit)
        )

    async def batch_get_sandboxes(self, ids: list[str]) -> list[SandboxInfo | None]:
        if len(ids) > MAX_BATCH:
            raise BadRequest(f"Too many sandbox ids: {len(ids)}. Maximum is {MAX_BATCH}")
        found = await self._store.batch_get(ids)
        return [self.to_info(found[i]) if i in found else None for i in ids]

    def key_matches(self, sandbox_id: str, key: str | None) -> bool:
        """True when `key` is the session API key of sandbox `sandbox_id`."""
        expected = self._keys.get(sandbox_id)
        if expected is None or key is None:
            return False
        return hmac.compare_digest(expected.encode(), key.encode())

    def key_of(self, sandbox_id: str) -> str | None:
        """The session API key of a known sandbox (for webhook deliveries)."""
        return self._keys.get(sandbox_id)

    def sandbox_id_for_key(self, key: str) -> str | None:
        """The sandbox whose session API key `key` is; None when no sandbox has it."""
        found = None
        for sandbox_id, expected in self._keys.items():
            if hmac.compare_digest(expected.encode(), key.encode()):
                found = sandbox_id
        return found

    async def require_running_key(self, key: str | None) -> str:
        """The id of the RUNNING sandbox whose session key `key` is; Unauthorized otherwise."""
        sandbox_id = self.sandbox_id_for_key(key) if key else None
        if sandbox_id is None:
            raise Unauthorized("expose_secrets needs the X-Session-API-Key of a running sandbox")
        record = await self.get_record(sandbox_id)
        if record.status is not SandboxStatus.RUNNING:
            raise Unauthorized("expose_secrets needs the X-Session-API-Key of a running sandbox")
        return sandbox_id

    async def runtime(self, sandbox_id: str) -> SandboxRuntime:
        """A RUNNING sandbox's runtime handle; SandboxNotRunning otherwise."""
        record = await self.get_record(sandbox_id)
        if record.status is not SandboxStatus.RUNNING:
            raise SandboxNotRunning(sandbox_id, record.status.value)
        spec = self._specs.get_config(record.sandbox_spec_id)
        layout = sandbox_layout(self._home, sandbox_id)
        return SandboxRuntime(record, layout, self._backend.working_dir(spec, layout))

    async def workspace_runtime(self, sandbox_id: str) -> SandboxRuntime:
        """The runtime handle of a sandbox in any status, for work that needs only its
        bind-mounted workspace (downloads, archives, git on a paused sandbox)."""
        record = await self.get_record(sandbox_id)
        spec = self._specs.get_config(record.sandbox_spec_id)
        layout = sandbox_layout(self._home, sandbox_id)
        return SandboxRuntime(record, layout, self._backend.working_dir(spec, layout))

    # ----- lifecycle -----

    async def start_sandbox(self, sandbox_spec_id: str | None) -> SandboxInfo:
        spec = self._specs.get_config(sandbox_spec_id)
        record = SandboxRecord(
            id=new_sandbox_id(),
            sandbox_spec_id=spec.id,
            status=SandboxStatus.STARTING,
            session_api_key=new_session_api_key(),
            created_at=utc_now(),
        )
        await self._store.insert(record)
        self._keys[record.id] = record.session_api_key
        done = anyio.Event()
        self._starting[record.id] = done
        self._spawn(lambda: self._run_start(record, done))
        with anyio.move_on_after(START_WAIT):
            await done.wait()
        return self.to_info(await self.get_record(record.id))

    async def _run_start(self, record: SandboxRecord, done: anyio.Event) -> None:
        try:
            async with self._lock(record.id):
                await self._start_container(record)
        finally:
            self._starting.pop(record.id, None)
            done.set()

    async def _start_container(self, record: SandboxRecord) -> None:
        spec = self._specs.get_config(record.sandbox_spec_id)
        layout = sandbox_layout(self._home, record.id)
        try:
            started = await self._backend.start(spec, layout)
        except BackendError as exc:
            record.status, record.detail = SandboxStatus.ERROR, exc.message
            logger.error("sandbox start failed sandbox_id=%s error=%s", record.id, exc.message)
        else:
            record.status, record.handle = SandboxStatus.RUNNING, started.handle
            record.worker_ports, record.detail, record.pause_mode = started.worker_ports, None, None
            logger.info("sandbox started sandbox_id=%s handle=%s", record.id, started.handle[:12])
        if await self._store.get(record.id) is None and record.handle:
            await self._backend.remove(record.handle)  # deleted while it was starting
            return
        await self._store.update(record)

    async def pause_sandbox(self, sandbox_id: str) -> None:
        async with self._lock(sandbox_id):
            record = await self.get_record(sandbox_id)
            if record.status is SandboxStatus.PAUSED:
                return
            if record.status is not SandboxStatus.RUNNING or record.handle is None:
                raise Conflict(
                    f"sandbox '{sandbox_id}' is {record.status.value}; "
                    "only a RUNNING sandbox can be paused"
                )
            layout = sandbox_layout(self._home, sandbox_id)
            record.pause_mode = await self._backend.pause(record.handle, layout)
            record.status = SandboxStatus.PAUSED
            await self._store.update(record)
            logger.info("sandbox paused sandbox_id=%s mode=%s", sandbox_id, record.pause_mode)

    async def resume_sandbox(self, sandbox_id: str) -> None:
        async with self._lock(sandbox_id):
            record = await self.get_record(sandbox_id)
            if record.status is SandboxStatus.RUNNING:
                return
            if record.status is SandboxStatus.STARTING:
                raise Conflict(f"sandbox '{sandbox_id}' is still STARTING")
            if record.status is SandboxStatus.PAUSED and record.handle is not None:
                layout = sandbox_layout(self._home, sandbox_id)
                await self._backend.resume(record.handle, layout, record.pause_mode)
                record.status, record.pause_mode = SandboxStatus.RUNNING, None
                await self._store.update(record)
                logger.info("sandbox resumed sandbox_id=%s", sandbox_id)
                return
            # ERROR or MISSING: start a fresh container on the same workspace.
            if record.handle is not None:
                await self._backend.remove(record.handle)
            record.handle = None
            await self._start_container(record)
            status: SandboxStatus = record.status  # set by _start_container
            if status is not SandboxStatus.RUNNING:
                raise BackendError(record.detail or f"sandbox '{sandbox_id}' did not start")

    async def delete_sandbox(self, sandbox_id: str) -> None:
        async with self._lock(sandbox_id):
            record = await self.get_record(sandbox_id)
            if record.handle is not None:
                await self._backend.remove(record.handle)
            await self._store.delete(sandbox_id)
            self._keys.pop(sandbox_id, None)
            # NOTE: the workspace stays on disk so that export and file download keep working
            # after a delete (docs/compatibility.md); only the run directory goes.
            shutil.rmtree(sandbox_layout(self._home, sandbox_id).run_dir, ignore_errors=True)
            logger.info("sandbox deleted sandbox_id=%s", sandbox_id)
        self._locks.pop(sandbox_id, None)

    # ----- reconciliation -----

    async def adopt(self) -> None:
        """At start-up: match stored sandboxes with the backend's, and drop our orphans."""
        owned = await self._backend.owned()
        records = await self._store.all()
        self._keys = {record.id: record.session_api_key for record in records}
        known = {record.id for record in records}
        for sandbox_id, (handle, _state) in owned.items():
            if sandbox_id not in known:
                logger.warning(
                    "orphan sandbox removed sandbox_id=%s handle=%s", sandbox_id, handle[:12]
                )
                await self._backend.remove(handle)
        await self.reconcile(owned)

    async def reconcile(self, owned: dict[str, tuple[str, RuntimeState]] | None = None) -> None:
        """Bring stored statuses in line with what the backend reports."""
        if owned is None:
            owned = await self._backend.owned()
        for record in await self._store.all():
            if record.id in self._starting:
                continue
            async with self._lock(record.id):
                fresh = await self._store.get(record.id)
                if fresh is not None:
                    await self._reconcile_one(fresh, owned.get(record.id))

    async def _reconcile_one(
        self, record: SandboxRecord, found: tuple[str, RuntimeState] | None
    ) -> None:
        status, handle = _observed_status(record, found)
        if status is record.status and handle == record.handle:
            return
        # The listing may predate an operation that finished since (we now hold the lock):
        # look at this one container again before changing anything.
        found = await self._observe(record.handle or (found[0] if found else None))
        status, handle = _observed_status(record, found)
        if status is record.status and handle == record.handle:
            return
        logger.warning(
            "sandbox status reconciled sandbox_id=%s from=%s to=%s",
            record.id,
            record.status.value,
            status.value,
        )
        record.status, record.handle = status, handle
        if status is SandboxStatus.PAUSED and record.pause_mode is None:
            record.pause_mode = "freezer"
        if status is SandboxStatus.ERROR and record.detail is None:
            record.detail = "sandbox container exited"
        await self._store.update(record)

    async def _observe(self, handle: str | None) -> tuple[str, RuntimeState] | None:
        if handle is None:
            return None
        state = await self._backend.state(handle)
        return None if state is RuntimeState.MISSING else (handle, state)

    async def reconcile_forever(self, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            try:
                await self.reconcile()
            except BackendError as exc:
                logger.warning("sandbox reconcile skipped error=%s", exc.message)


def _observed_status(
    record: SandboxRecord, found: tuple[str, RuntimeState] | None
) -> tuple[SandboxStatus, str | None]:
    """What the record's status should be, given the backend's view of its container."""
    if found is None:
        if record.status is SandboxStatus.STARTING:
            return SandboxStatus.ERROR, None
        if record.status in (SandboxStatus.ERROR, SandboxStatus.MISSING) and record.handle is None:
            return record.status, None
        return SandboxStatus.MISSING, record.handle
    handle, state = found
    if state is RuntimeState.RUNNING:
        if record.status is SandboxStatus.PAUSED and record.pause_mode == "signal":
            return SandboxStatus.PAUSED, handle  # podman cannot see a signal freeze
        return SandboxStatus.RUNNING, handle
    if state is RuntimeState.PAUSED:
        return SandboxStatus.PAUSED, handle
    if record.status is SandboxStatus.PAUSED and record.pause_mode == "stop":
        return SandboxStatus.PAUSED, handle
    return SandboxStatus.ERROR, handle

"""Sandbox specs: the default one plus those of the config file. Read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ohlocal.containers.shim_client import RUN_DIR_IN_SANDBOX, SHIM_DIR_IN_SANDBOX, SOCKET_NAME
from ohlocal.errors import SandboxSpecNotFound
from ohlocal.models.base import utc_now
from ohlocal.models.sandbox_spec import SandboxSpecInfo, SandboxSpecInfoPage
from ohlocal.services.paging import next_page_id, page_offset

if TYPE_CHECKING:
    from ohlocal.settings import SandboxSpecConfig

HELPER_COMMAND = [
    "python3",
    f"{SHIM_DIR_IN_SANDBOX}/shim.py",
    "--socket",
    f"{RUN_DIR_IN_SANDBOX}/{SOCKET_NAME}",
]


class SandboxSpecService:
    def __init__(self, specs: tuple[SandboxSpecConfig, ...]) -> None:
        self._specs = {spec.id: spec for spec in specs}
        self._default_id = specs[0].id
        self._loaded_at = utc_now()

    @property
    def default_id(self) -> str:
        return self._default_id

    def get_config(self, spec_id: str | None) -> SandboxSpecConfig:
        spec = self._specs.get(spec_id or self._default_id)
        if spec is None:
            raise SandboxSpecNotFound(spec_id or "")
        return spec

    def _info(self, spec: SandboxSpecConfig) -> SandboxSpecInfo:
        return SandboxSpecInfo(
            id=spec.id,
            # NOTE: the reference reports the agent server's command here; ours is the helper,
            # which also starts the spec's own command when one is configured.
            command=spec.command or HELPER_COMMAND,
            created_at=self._loaded_at,
            initial_env=dict(spec.initial_env),
            working_dir=spec.working_dir,
        )

    def search_sandbox_specs(self, page_id: str | None, limit: int) -> SandboxSpecInfoPage:
        offset = page_offset(page_id)
        specs = list(self._specs.values())
        items = [self._info(spec) for spec in specs[offset : offset + limit]]
        more = offset + limit < len(specs)
        return SandboxSpecInfoPage(
            items=items, next_page_id=next_page_id(offset, limit, len(items), more)
        )

    def batch_get_sandbox_specs(self, ids: list[str]) -> list[SandboxSpecInfo | None]:
        return [self._info(self._specs[i]) if i in self._specs else None for i in ids]

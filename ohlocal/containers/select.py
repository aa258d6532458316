"""Choosing the sandbox backend at start-up: podman, process, or auto (podman when usable)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ohlocal.containers.podman_backend import PodmanBackend
from ohlocal.containers.process_backend import ProcessBackend
from ohlocal.errors import BackendUnavailable

if TYPE_CHECKING:
    from ohlocal.containers.base import Backend
    from ohlocal.settings import Settings

logger = logging.getLogger(__name__)


async def open_backend(settings: Settings) -> Backend:
    if settings.sandbox_backend == "process":
        return _process(settings)
    try:
        backend = await PodmanBackend.connect(settings.home, settings.podman_url, settings.image)
    except BackendUnavailable as exc:
        if settings.sandbox_backend == "podman":
            raise
        logger.warning("podman not usable, using process sandboxes reason=%s", exc.message)
        return _process(settings)
    if settings.sandbox_backend == "auto" and backend.info.image and not await backend.has_image():
        logger.warning(
            "sandbox image missing, using process sandboxes image=%s fix='ohlocal image build'",
            settings.image,
        )
        await backend.close()
        return _process(settings)
    return backend


def _process(settings: Settings) -> Backend:
    logger.warning(
        "process sandboxes run commands directly on this host with no isolation; "
        "install Podman for container sandboxes"
    )
    return ProcessBackend(settings.home)

"""`ohlocal doctor`: each thing ohlocal needs from the host, checked, with its fix."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from ohlocal.containers.podman_service import PodmanService, podman_env, write_containers_conf
from ohlocal.errors import BackendUnavailable
from ohlocal.image import image_exists

if TYPE_CHECKING:
    from ohlocal.settings import Settings


class Check(msgspec.Struct):
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    checks = [
        _binary("podman", "apt-get install podman"),
        _binary("runc", "apt-get install runc"),
        _binary("catatonit", "apt-get install catatonit"),
    ]
    if not checks[0].ok:
        return checks
    conf = write_containers_conf(settings.home / "podman")
    env = podman_env(conf)
    checks.append(_podman_info(env))
    checks.append(_service())
    found = image_exists(settings.image, env)
    checks.append(
        Check(
            "image",
            found,
            settings.image if found else f"{settings.image} is missing",
            "ohlocal image build",
        )
    )
    checks.append(
        _binary("mmdebstrap", "apt-get install mmdebstrap (only needed to build the image)")
    )
    return checks


def _binary(name: str, fix: str) -> Check:
    path = shutil.which(name)
    return Check(name, path is not None, path or "not found on PATH", fix)


def _podman_info(env: dict[str, str]) -> Check:
    fmt = (
        "{{.Version.Version}} rootless={{.Host.Security.Rootless}} cgroup={{.Host.CgroupsVersion}}"
    )
    proc = subprocess.run(
        ["podman", "info", "--format", fmt], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return Check(
            "podman info",
            False,
            proc.stderr.strip()[-300:],
            "see PODMAN.md: runtime runc and ulimits are set in ohlocal's containers.conf",
        )
    detail = proc.stdout.strip()
    if "rootless=true" in detail and "cgroup=v1" in detail:
        detail += " (pause falls back to SIGSTOP)"
    return Check("podman info", True, detail)


def _service() -> Check:
    with tempfile.TemporaryDirectory(prefix="ohlocal-doctor-") as tmp:
        service = PodmanService(Path(tmp), Path(tmp) / "podman.sock")
        try:
            service.start()
        except BackendUnavailable as exc:
            return Check(
                "podman service",
                False,
                exc.message,
                "check 'podman system service' by hand, or pass --podman-url",
            )
        service.stop()
    return Check("podman service", True, "starts and answers /_ping")

"""`ohlocal image build`: the default sandbox image from Debian packages, with no registry
(mmdebstrap piped into `podman import`, PODMAN.md §3), or `podman build` over a base image."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ohlocal.containers.podman_service import podman_env, write_containers_conf
from ohlocal.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

DEBIAN_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"
_SLIM = [
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-include=/usr/share/locale/locale.alias",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
]


def image_dir() -> Path:
    """sandbox_images/default of the source tree ohlocal runs from."""
    path = Path(__file__).resolve().parent.parent / "sandbox_images" / "default"
    if not path.is_dir():
        raise ConfigError(f"image definition not found at {path}; run from an ohlocal checkout")
    return path


def packages() -> list[str]:
    lines = (image_dir() / "packages.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def host_mirror() -> str:
    """The host's own Debian mirror, so the build reaches what apt reaches."""
    try:
        for line in DEBIAN_SOURCES.read_text().splitlines():
            if line.startswith("URIs:"):
                return line.split()[1]
    except OSError:
        pass
    return DEFAULT_MIRROR


def image_exists(tag: str, env: dict[str, str]) -> bool:
    return subprocess.run(["podman", "image", "exists", tag], env=env, check=False).returncode == 0


def build_image(
    home: Path,
    tag: str,
    mirror: str | None,
    force: bool,
    progress: Callable[[str], None],
    base: str | None = None,
) -> None:
    """Build `tag` unless it exists (or `force`). Raises ConfigError with a remedy on failure."""
    if shutil.which("podman") is None:
        raise ConfigError("podman is not installed: apt-get install podman runc catatonit")
    env = podman_env(write_containers_conf(home / "podman"))
    if image_exists(tag, env) and not force:
        progress(f"image {tag} already exists (use --force to rebuild)")
        return
    if base:
        _podman_build(tag, base, env, progress)
    else:
        _debootstrap_import(tag, mirror or host_mirror(), env, progress)
    progress(f"built {tag}")


def _podman_build(
    tag: str, base: str, env: dict[str, str], progress: Callable[[str], None]
) -> None:
    progress(f"podman build {tag} from {base}")
    argv = ["podman", "build", "--build-arg", f"BASE={base}", "-t", tag, str(image_dir())]
    _run_streaming(argv, env, progress)


def _debootstrap_import(
    tag: str, mirror: str, env: dict[str, str], progress: Callable[[str], None]
) -> None:
    if shutil.which("mmdebstrap") is None:
        raise ConfigError("mmdebstrap is not installed: apt-get install mmdebstrap")
    progress(f"mmdebstrap {SUITE} from {mirror}: {' '.join(packages())}")
    strap = subprocess.Popen(
        [
            "mmdebstrap",
            "--variant=minbase",
            f"--include={','.join(packages())}",
            *_SLIM,
            SUITE,
            "-",
            mirror,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert strap.stdout is not None and strap.stderr is not None
    importer = subprocess.Popen(
        [
            "podman",
            "import",
            "-q",
            "--change",
            'CMD ["/bin/bash"]',
            "--change",
            "ENV LANG=C.UTF-8",
            "-",
            tag,
        ],
        stdin=strap.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    strap.stdout.close()
    for raw in strap.stderr:
        progress(raw.decode(errors="replace").rstrip())
    strap_code = strap.wait()
    out = importer.communicate()[0].decode(errors="replace").strip()
    if strap_code != 0:
        raise ConfigError(f"mmdebstrap failed with exit code {strap_code}; is {mirror} reachable?")
    if importer.returncode != 0:
        raise ConfigError(f"podman import failed: {out}")


def _run_streaming(argv: list[str], env: dict[str, str], progress: Callable[[str], None]) -> None:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdout is not None
    for raw in proc.stdout:
        progress(raw.decode(errors="replace").rstrip())
    if proc.wait() != 0:
        raise ConfigError(f"{argv[0]} {argv[1]} failed with exit code {proc.returncode}")

"""The `ohlocal` command: serve, replay, doctor, image build."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import click
import uvicorn

from ohlocal import __version__
from ohlocal.app import create_app
from ohlocal.doctor import run_checks
from ohlocal.errors import ConfigError
from ohlocal.image import build_image
from ohlocal.replay import report
from ohlocal.replay.crash import EVERY
from ohlocal.replay.harness import ReplayOptions, replay_recording
from ohlocal.settings import DEFAULT_IMAGE, LLM_SETTINGS_HELP, build_settings

F = TypeVar("F", bound=Callable[..., Any])

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Libraries whose DEBUG lines carry request or SQL parameters (API keys, secret values):
# they log at WARNING and above whatever --log-level says.
QUIET_LOGGERS = ("httpx", "httpcore", "aiosqlite", "hpack", "urllib3")


def home_option(help_text: str) -> Callable[[F], F]:
    """The `--home` option every command shares; `help_text` says what the home is for."""
    return click.option(
        "--home",
        envvar="OHLOCAL_HOME",
        show_envvar=True,
        type=click.Path(path_type=Path),
        default=None,
        help=f"{help_text}  [default: $XDG_DATA_HOME/ohlocal].",
    )


def quiet_library_loggers() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    quiet_library_loggers()


@click.group()
@click.version_option(__version__, prog_name="ohlocal")
def main() -> None:
    """ohlocal: the OpenHands V1 App Server and Agent Server as one local program."""


@main.command()
@click.option(
    "-H",
    "--host",
    envvar="OHLOCAL_HOST",
    show_envvar=True,
    default=None,
    help="Interface to listen on  [default: 127.0.0.1].",
)
@click.option(
    "-p",
    "--port",
    envvar="OHLOCAL_PORT",
    show_envvar=True,
    type=int,
    default=None,
    help="TCP port to listen on; 0 picks a free one  [default: 3000].",
)
@home_option("Directory for the database and workspaces")
@click.option(
    "--config",
    "config_file",
    envvar="OHLOCAL_CONFIG",
    show_envvar=True,
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML config file  [default: HOME/config.toml when it exists].",
)
@click.option(
    "--sandbox-backend",
    envvar="OHLOCAL_SANDBOX_BACKEND",
    show_envvar=True,
    type=click.Choice(["podman", "process", "auto"]),
    default=None,
    help="How sandboxes run; auto picks Podman when usable  [default: auto].",
)
@click.option(
    "--podman-url",
    envvar="OHLOCAL_PODMAN_URL",
    show_envvar=True,
    default=None,
    help="Use this Podman API service (unix:// or http://) instead of starting one.",
)
@click.option(
    "--public-url",
    envvar="OHLOCAL_PUBLIC_URL",
    show_envvar=True,
    default=None,
    help="Base URL clients use to reach this server, for exposed_urls  [default: http://HOST:PORT].",
)
@click.option(
    "--image",
    envvar="OHLOCAL_IMAGE",
    show_envvar=True,
    default=None,
    help=f"Image of the default sandbox spec  [default: {DEFAULT_IMAGE}].",
)
@click.option(
    "--llm-provider",
    envvar="OHLOCAL_LLM_PROVIDER",
    show_envvar=True,
    type=click.Choice(["openai", "replay"]),
    default=None,
    help=LLM_SETTINGS_HELP["llm_provider"] + "  [default: openai]",
)
@click.option(
    "--llm-model",
    envvar="OHLOCAL_LLM_MODEL",
    show_envvar=True,
    default=None,
    help=LLM_SETTINGS_HELP["llm_model"] + "  [default: gpt-4o-mini]",
)
@click.option(
    "--llm-base-url",
    envvar="OHLOCAL_LLM_BASE_URL",
    show_envvar=True,
    default=None,
    help=LLM_SETTINGS_HELP["llm_base_url"],
)
@click.option(
    "--llm-script",
    envvar="OHLOCAL_LLM_SCRIPT",
    show_envvar=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help=LLM_SETTINGS_HELP["llm_script"],
)
@click.option(
    "--log-level",
    envvar="OHLOCAL_LOG_LEVEL",
    show_envvar=True,
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Least severe log level printed.",
)
def serve(
    host: str | None,
    port: int | None,
    home: Path | None,
    config_file: Path | None,
    sandbox_backend: str | None,
    podman_url: str | None,
    public_url: str | None,
    image: str | None,
    llm_provider: str | None,
    llm_model: str | None,
    llm_base_url: str | None,
    llm_script: Path | None,
    log_level: str,
) -> None:
    """Serve the App Server API and every sandbox's Agent Server API on one port."""
    _configure_logging(log_level)
    try:
        settings = build_settings(
            home=home,
            config_file=config_file,
            host=host,
            port=port,
            sandbox_backend=sandbox_backend,
            podman_url=podman_url,
            public_url=public_url,
            image=image,
            llm_provider=llm_provider,
            llm_model=llm_model,
            llm_base_url=llm_base_url,
            llm_script=llm_script,
        )
    except ConfigError as exc:
        raise click.UsageError(exc.message) from exc
    if settings.host not in LOOPBACK and not settings.session_api_key:
        raise click.UsageError(
            f"refusing to serve on {settings.host} without a key: set OHLOCAL_SESSION_API_KEY, "
            "or listen on 127.0.0.1"
        )
    sock = _bind(settings.host, settings.port)
    bound = sock.getsockname()[1]
    app = create_app(settings, bound_port=lambda: bound)
    click.echo(f"ohlocal serving on {settings.base_url(bound)} (home {settings.home})", err=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    anyio.run(server.serve, [sock])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # NOTE: proto must say TCP: asyncio sets TCP_NODELAY only on sockets whose proto is
    # IPPROTO_TCP, and without it every kept-alive response waited ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class CrashPoint(click.ParamType):  # type: ignore[type-arg]  # generic only in click 8.2+
    """A step index (0-based) or the word `every`."""

    name = "STEP|every"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | str:
        if isinstance(value, int):
            return value
        if value == EVERY:
            return EVERY
        try:
            step = int(str(value))
        except ValueError:
            self.fail(f"{value!r} is neither a step number nor 'every'", param, ctx)
        if step < 0:
            self.fail(f"step {step} is negative", param, ctx)
        return step


@main.command()
@click.argument(
    "recordings",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
)
@click.option(
    "--url",
    default=None,
    help="Agent Server base URL to replay against instead of a fresh ohlocal.",
)
@click.option(
    "--session-key", default=None, help="X-Session-API-Key to send with --url (none by default)."
)
@click.option(
    "--crash-at",
    type=CrashPoint(),
    default=None,
    help="Kill -9 and restart the fresh ohlocal after this 0-based step, or after every step.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the results to this JSON file.",
)
@click.option(
    "--sandbox-backend",
    type=click.Choice(["podman", "process", "auto"]),
    default="auto",
    show_default=True,
    help="How the fresh ohlocal runs its sandbox; auto picks Podman when usable.",
)
@click.option(
    "--workspace",
    default=None,
    help="Working directory of the agent with --url  [default: the recording's, /workspace].",
)
@click.option(
    "--llm-host",
    default="127.0.0.1",
    show_default=True,
    help="Address the scripted LLM listens on; the server under test must reach it.",
)
def replay(
    recordings: tuple[Path, ...],
    url: str | None,
    session_key: str | None,
    crash_at: int | str | None,
    json_out: Path | None,
    sandbox_backend: str,
    workspace: str | None,
    llm_host: str,
) -> None:
    """Replay recorded client sessions against a fresh ohlocal or an Agent Server URL."""
    if url is not None and crash_at is not None:
        raise click.UsageError("--crash-at needs the fresh ohlocal; drop --url to use it")
    options = ReplayOptions(
        url=url,
        session_key=session_key,
        crash_at=crash_at,
        sandbox_backend=sandbox_backend,
        workspace=workspace,
        llm_host=llm_host,
    )
    click.echo(report.header())
    results = []
    for path in recordings:
        results.append(replay_recording(path, options))
        click.echo(report.row(results[-1]))
    click.echo(report.total(results))
    if json_out is not None:
        report.write_json(json_out, results)
    if not all(r.passed for r in results):
        sys.exit(1)


@main.command()
@home_option("ohlocal home to check")
@click.option(
    "--image",
    envvar="OHLOCAL_IMAGE",
    show_envvar=True,
    default=DEFAULT_IMAGE,
    show_default=True,
    help="Sandbox image to look for.",
)
def doctor(home: Path | None, image: str) -> None:
    """Check Podman, its runtime, socket and the sandbox image; print each problem with its fix."""
    settings = build_settings(home=home, image=image)
    problems = 0
    for check in run_checks(settings):
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok:
            problems += 1
            click.echo(f"       fix: {check.fix}")
    if problems:
        raise click.ClickException(f"{problems} problem(s) found; process sandboxes will be used")


@main.group()
def image() -> None:
    """Manage the sandbox image."""


@image.command("build")
@click.option("--tag", default=DEFAULT_IMAGE, show_default=True, help="Image name to create.")
@click.option(
    "--mirror",
    envvar="OHLOCAL_DEBIAN_MIRROR",
    show_envvar=True,
    default=None,
    help="Debian mirror URL  [default: the host's apt source].",
)
@click.option("--force", is_flag=True, help="Rebuild even when the image exists.")
@click.option(
    "--base",
    default=None,
    help="Build with 'podman build' on this existing Debian image instead of mmdebstrap.",
)
@home_option("ohlocal home (for its containers.conf)")
def image_build(
    tag: str, mirror: str | None, force: bool, base: str | None, home: Path | None
) -> None:
    """Build the default sandbox image from Debian packages, with no container registry."""
    settings = build_settings(home=home)
    try:
        build_image(settings.home, tag, mirror, force, progress=_echo_err, base=base)
    except ConfigError as exc:
        raise click.ClickException(exc.message) from exc


def _echo_err(line: str) -> None:
    click.echo(line, err=True)

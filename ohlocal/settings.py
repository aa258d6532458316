"""The one frozen Settings struct: defaults, then the config file, then OHLOCAL_* variables,
then flags. Nothing else in the package reads the environment."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from ohlocal.errors import ConfigError

Backend = Literal["podman", "process", "auto"]
LLMProviderName = Literal["openai", "replay"]

DEFAULT_IMAGE = "localhost/ohlocal-sandbox:bookworm"
DEFAULT_WORKING_DIR = "/workspace"
DEFAULT_SPEC_ID = "ohlocal-default"


def default_home() -> Path:
    """Where ohlocal keeps its database and workspaces when --home is not given."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "ohlocal"


class SandboxSpecConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """One `[[sandbox_specs]]` table of the config file."""

    id: str
    image: str = DEFAULT_IMAGE
    command: list[str] | None = None
    initial_env: dict[str, str] = msgspec.field(default_factory=dict)
    working_dir: str = DEFAULT_WORKING_DIR
    worker_ports: list[int] = msgspec.field(default_factory=lambda: [8000, 8001])


class WebhookConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """One `[[webhooks]]` table: a subscriber of events and conversation info, with the
    reference's `WebhookSpec` defaults."""

    base_url: str
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    event_buffer_size: Annotated[int, msgspec.Meta(ge=1)] = 5
    # Seconds a partial batch of events waits for more before it is sent.
    flush_delay: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    # Quick retries after a failure; later retries continue at a capped backoff.
    num_retries: Annotated[int, msgspec.Meta(ge=0)] = 3
    # Seconds before the first retry; each later retry waits twice as long.
    retry_delay: Annotated[float, msgspec.Meta(ge=0)] = 5.0

    @property
    def subscriber(self) -> str:
        """The key of this subscriber's delivery cursors: its base URL without a final slash."""
        return self.base_url.rstrip("/")


class ConfigFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """The TOML config file: every serve setting by its option name, plus sandbox specs."""

    host: str | None = None
    port: int | None = None
    sandbox_backend: Backend | None = None
    podman_url: str | None = None
    public_url: str | None = None
    image: str | None = None
    reconcile_interval: float | None = None
    llm_provider: LLMProviderName | None = None
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_script: Path | None = None
    sandbox_specs: list[SandboxSpecConfig] = msgspec.field(default_factory=list)
    webhooks: list[WebhookConfig] = msgspec.field(default_factory=list)


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Everything `ohlocal serve` runs with, built once by the CLI (or by tests)."""

    home: Path
    host: str = "127.0.0.1"
    port: int = 3000
    sandbox_backend: Backend = "auto"
    podman_url: str | None = None
    public_url: str | None = None
    session_api_key: str | None = None
    image: str = DEFAULT_IMAGE
    reconcile_interval: float = 2.0
    # LLM defaults for conversations whose `agent.llm` leaves them out. With llm_provider
    # "replay" every conversation plays llm_script instead (the contract-fixture mode).
    llm_provider: LLMProviderName = "openai"
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_script: Path | None = None
    sandbox_specs: tuple[SandboxSpecConfig, ...] = ()
    webhooks: tuple[WebhookConfig, ...] = ()
    config_file: Path | None = None

    @property
    def db_path(self) -> Path:
        return self.home / "ohlocal.db"

    @property
    def workspaces_dir(self) -> Path:
        return self.home / "workspaces"

    def base_url(self, bound_port: int | None = None) -> str:
        """The URL clients use to reach this server: --public-url, else host and port."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host
        return f"http://{host}:{bound_port or self.port}"

    def all_specs(self) -> tuple[SandboxSpecConfig, ...]:
        """The default spec, then the config file's specs (which may replace it by id)."""
        default = SandboxSpecConfig(id=DEFAULT_SPEC_ID, image=self.image)
        ids = {spec.id for spec in self.sandbox_specs}
        return ((default,) if DEFAULT_SPEC_ID not in ids else ()) + self.sandbox_specs


_ENV_NAMES = {
    "host": str,
    "port": int,
    "sandbox_backend": str,
    "podman_url": str,
    "public_url": str,
    "session_api_key": str,
    "image": str,
    "reconcile_interval": float,
    "llm_provider": str,
    "llm_model": str,
    "llm_base_url": str,
    "llm_api_key": str,
    "llm_script": str,
}

# One-line help per LLM setting (the CLI options and docs/settings.md use the same text).
LLM_SETTINGS_HELP = {
    "llm_provider": "LLM provider for every conversation: openai (any OpenAI-compatible "
    "server) or replay (play --llm-script).",
    "llm_model": "Default model when a conversation's agent.llm names none.",
    "llm_base_url": "Default OpenAI-compatible base URL, for example http://127.0.0.1:11434/v1.",
    "llm_api_key": "Default API key for the LLM; never logged.",
    "llm_script": "LLM script file (a recording or its llm_script) played by the replay provider.",
}


def read_config_file(path: Path) -> ConfigFile:
    """Decode the TOML config file strictly: an unknown key is an error that names it."""
    try:
        raw = tomllib.loads(path.read_text())
        return msgspec.convert(raw, ConfigFile)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file '{path}' not found") from exc
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as exc:
        raise ConfigError(f"config file '{path}': {exc}") from exc


def build_settings(
    home: Path | None = None,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    **flags: object,
) -> Settings:
    """Layer the sources: defaults < config file < OHLOCAL_* variables < flags (not None)."""
    env = os.environ if environ is None else environ
    home = Path(home or env.get("OHLOCAL_HOME") or default_home()).expanduser().resolve()
    if config_file is None and env.get("OHLOCAL_CONFIG"):
        config_file = Path(env["OHLOCAL_CONFIG"])
    if config_file is None and (home / "config.toml").exists():
        config_file = home / "config.toml"

    values, specs, webhooks = _config_file_values(config_file)
    for name, cast in _ENV_NAMES.items():
        raw = env.get(f"OHLOCAL_{name.upper()}")
        if raw:
            try:
                values[name] = cast(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"OHLOCAL_{name.upper()}={raw!r} is not a valid {cast.__name__}"
                ) from exc
    values.update({k: v for k, v in flags.items() if v is not None})

    try:
        settings = msgspec.convert(
            {
                **values,
                "home": str(home),
                "sandbox_specs": specs,
                "webhooks": webhooks,
                "config_file": config_file,
            },
            Settings,
            from_attributes=True,
            dec_hook=_dec_hook,
        )
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid setting: {exc}") from exc
    if settings.llm_provider == "replay" and settings.llm_script is None:
        raise ConfigError("llm_provider 'replay' needs a script: set --llm-script FILE")
    return settings


def _config_file_values(
    config_file: Path | None,
) -> tuple[dict[str, object], tuple[SandboxSpecConfig, ...], tuple[WebhookConfig, ...]]:
    """The settings the config file sets, its sandbox specs and its webhooks."""
    if config_file is None:
        return {}, (), ()
    cfg = read_config_file(config_file)
    values = {
        name: getattr(cfg, name) for name in _ENV_NAMES if getattr(cfg, name, None) is not None
    }
    return values, tuple(cfg.sandbox_specs), _unique_webhooks(cfg.webhooks)


def _unique_webhooks(webhooks: list[WebhookConfig]) -> tuple[WebhookConfig, ...]:
    """The webhooks of the config file; a base URL may appear once (it keys the cursors)."""
    seen: set[str] = set()
    for webhook in webhooks:
        if webhook.subscriber in seen:
            raise ConfigError(f"webhook base_url '{webhook.subscriber}' appears twice")
        seen.add(webhook.subscriber)
    return tuple(webhooks)


def _dec_hook(type_: type, obj: object) -> object:
    if type_ is Path and isinstance(obj, str | Path):
        return Path(obj)
    if type_ in (SandboxSpecConfig, WebhookConfig) and isinstance(obj, type_):
        return obj
    raise NotImplementedError(type_)

"""The local user's settings: stored as what the user set, shown merged over the server's
defaults with secrets masked; also `users/me` and the web client's config."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from ohlocal.errors import InvalidInput, LegacySettingsKeys, SettingsNotFound
from ohlocal.models.conversation import utc_iso
from ohlocal.models.settings import (
    FLAT_LLM_KEYS,
    LEGACY_KEYS,
    TOP_LEVEL_KEYS,
    GETSettingsModel,
    SettingsUpdate,
    UserInfo,
    WebClientConfig,
)
from ohlocal.models.settings_defaults import (
    SECRET_PATHS,
    deep_merge,
    default_agent_settings,
    default_conversation_settings,
    get_path,
    set_path,
)
from ohlocal.services.llm_defaults import ConversationLLM, conversation_llm
from ohlocal.store.settings_store import StoredSettings

if TYPE_CHECKING:
    from ohlocal.settings import Settings
    from ohlocal.store.settings_store import SettingsStore

# ohlocal serves one user; the reference's OSS mode has no user id either (users/me id null).
LOCAL_USER = "local"

_AT_PATH = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_BOUND = re.compile(r"Expected `\w+` (>=|<=|>|<) (-?[\d.]+)")
_BOUND_WORDS = {
    ">=": ("greater_than_equal", "Input should be greater than or equal to"),
    ">": ("greater_than", "Input should be greater than"),
    "<=": ("less_than_equal", "Input should be less than or equal to"),
    "<": ("less_than", "Input should be less than"),
}
_TYPE_ERRORS = {
    "str": ("string_type", "Input should be a valid string"),
    "int": ("int_type", "Input should be a valid integer"),
    "float": ("float_type", "Input should be a valid number"),
    "bool": ("bool_type", "Input should be a valid boolean"),
    "object": ("dict_type", "Input should be a valid dictionary"),
    "array": ("list_type", "Input should be a valid list"),
}


def invalid_body(exc: msgspec.ValidationError, body: dict[str, Any]) -> InvalidInput:
    """A msgspec error as the reference's 422 item: `loc` from the JSON path, pydantic's
    type and message for the common type errors, the offending value as `input`."""
    match = _AT_PATH.match(str(exc))
    message = match.group("msg") if match else str(exc)
    path: list[str | int] = []
    raw_path = (match.group("path") if match else None) or ""
    for name, index in _PATH_PART.findall(raw_path):
        path.append(int(index) if index else name)
    value: Any = body
    for part in path:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
    if bound := _BOUND.match(message):
        type_, words = _BOUND_WORDS[bound.group(1)]
        return InvalidInput(("body", *path), f"{words} {bound.group(2)}", type_, value)
    expected = re.match(r"Expected `(\w+)", message)
    type_, msg = _TYPE_ERRORS.get(expected.group(1) if expected else "", ("value_error", message))
    return InvalidInput(("body", *path), msg, type_, value)


def _updates(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a POST body and turn it into a diff of the stored document."""
    legacy = [key for key in LEGACY_KEYS if key in body]
    if legacy:
        raise LegacySettingsKeys(legacy)
    try:
        msgspec.convert(body, SettingsUpdate)
    except msgspec.ValidationError as exc:
        raise invalid_body(exc, body) from None

    diff: dict[str, Any] = {key: body[key] for key in TOP_LEVEL_KEYS if key in body}
    agent = dict(body.get("agent_settings_diff") or {})
    flat = {FLAT_LLM_KEYS[key]: body[key] for key in FLAT_LLM_KEYS if key in body}
    if flat:
        agent["llm"] = deep_merge(agent.get("llm") or {}, flat)
    if agent:
        diff["agent_settings"] = agent
    if body.get("conversation_settings_diff"):
        diff["conversation_settings"] = body["conversation_settings_diff"]
    return diff


class SettingsService:
    def __init__(self, store: SettingsStore, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._started = datetime.now(UTC)

    async def stored(self) -> dict[str, Any] | None:
        """What the user has set, secrets included; None before the first POST."""
        found = await self._store.get(LOCAL_USER)
        return found.body if found else None

    async def store_settings(self, body: dict[str, Any]) -> None:
        """Merge a partial settings body into the stored document.

        Raises:
            LegacySettingsKeys: the body uses `agent_settings`/`conversation_settings`.
            InvalidInput: a known field has a value of the wrong type or range.
        """
        diff = _updates(body)
        merged = deep_merge(await self.stored() or {}, diff)
        await self._store.put(LOCAL_USER, StoredSettings(body=merged, updated_at=utc_iso()))

    def _effective(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The server's defaults with the stored document laid over them, secrets included."""
        agent = default_agent_settings()
        agent["llm"].update(
            model=self._settings.llm_model,
            base_url=self._settings.llm_base_url,
            api_key=self._settings.llm_api_key,
        )
        agent["agent_context"]["current_datetime"] = utc_iso()
        document = copy.deepcopy(stored)
        document["agent_settings"] = deep_merge(agent, stored.get("agent_settings") or {})
        document["conversation_settings"] = deep_merge(
            default_conversation_settings(), stored.get("conversation_settings") or {}
        )
        return document

    async def get_settings(self) -> GETSettingsModel:
        """The settings with every secret null and `*_set` flags; SettingsNotFound before
        the first POST, as the reference."""
        stored = await self.stored()
        if stored is None:
            raise SettingsNotFound()
        document = self._effective(stored)
        flags = {
            "llm_api_key_set": bool(get_path(document, ("agent_settings", "llm", "api_key"))),
            "search_api_key_set": bool(document.get("search_api_key")),
        }
        _mask(document)
        return msgspec.convert({**document, **flags}, GETSettingsModel)

    async def get_user(self, expose_secrets: bool) -> UserInfo:
        """The local user: its settings (the defaults before any POST) plus the flat LLM
        fields; secrets are null unless `expose_secrets`."""
        document = self._effective(await self.stored() or {})
        llm = conversation_llm(self._settings, document)
        if not expose_secrets:
            _mask(document)
        flat = {
            "llm_model": llm.model,
            "llm_base_url": llm.base_url,
            "llm_api_key": llm.api_key if expose_secrets else None,
        }
        return msgspec.convert({**document, **flat, "id": None}, UserInfo)

    async def conversation_llm(self, llm_model: str | None = None) -> ConversationLLM:
        """The LLM a new conversation gets (see `llm_defaults.conversation_llm`)."""
        return conversation_llm(self._settings, await self.stored(), llm_model)

    def web_client_config(self) -> WebClientConfig:
        return WebClientConfig(updated_at=utc_iso(self._started))


def _mask(document: dict[str, Any]) -> None:
    for path in SECRET_PATHS:
        set_path(document, path, None)

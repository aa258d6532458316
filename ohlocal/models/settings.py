"""App Server settings, the current user and the web client's config: `GETSettingsModel`,
`UserInfo`, `WebClientConfig`, and the typed view of a `POST /api/v1/settings` body."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ohlocal.models.base import Model

JsonObject = dict[str, Any]


class SandboxGroupingStrategy(enum.StrEnum):
    NO_GROUPING = "NO_GROUPING"
    GROUP_BY_NEWEST = "GROUP_BY_NEWEST"
    LEAST_RECENTLY_USED = "LEAST_RECENTLY_USED"
    FEWEST_CONVERSATIONS = "FEWEST_CONVERSATIONS"
    ADD_TO_ANY = "ADD_TO_ANY"


class AppMode(enum.StrEnum):
    OSS = "oss"
    SAAS = "saas"


# ----- the POST body: lenient (unknown keys ignored), typed where ohlocal checks values -----


class LLMSettingsDiff(msgspec.Struct, kw_only=True):
    model: str | UnsetType = UNSET
    base_url: str | None | UnsetType = UNSET
    api_key: str | None | UnsetType = UNSET


class AgentSettingsDiff(msgspec.Struct, kw_only=True):
    llm: LLMSettingsDiff | UnsetType = UNSET


class ConversationSettingsDiff(msgspec.Struct, kw_only=True):
    max_iterations: Annotated[int, msgspec.Meta(ge=1)] | UnsetType = UNSET
    confirmation_mode: bool | UnsetType = UNSET
    security_analyzer: Literal["llm", "none"] | None | UnsetType = UNSET


class SettingsUpdate(msgspec.Struct, kw_only=True):
    """The fields of a settings POST that ohlocal type-checks; the raw body is what is merged."""

    language: str | None | UnsetType = UNSET
    user_version: int | None | UnsetType = UNSET
    remote_runtime_resource_factor: int | None | UnsetType = UNSET
    enable_sound_notifications: bool | UnsetType = UNSET
    enable_proactive_conversation_starters: bool | UnsetType = UNSET
    user_consents_to_analytics: bool | None | UnsetType = UNSET
    sandbox_base_container_image: str | None | UnsetType = UNSET
    sandbox_runtime_container_image: str | None | UnsetType = UNSET
    disabled_skills: list[str] | None | UnsetType = UNSET
    search_api_key: str | None | UnsetType = UNSET
    sandbox_api_key: str | None | UnsetType = UNSET
    max_budget_per_task: float | None | UnsetType = UNSET
    email: str | None | UnsetType = UNSET
    email_verified: bool | None | UnsetType = UNSET
    git_user_name: str | None | UnsetType = UNSET
    git_user_email: str | None | UnsetType = UNSET
    git_full_clone: bool | UnsetType = UNSET
    v1_enabled: bool | UnsetType = UNSET
    sandbox_grouping_strategy: SandboxGroupingStrategy | UnsetType = UNSET
    default_sandbox_spec_id: str | None | UnsetType = UNSET
    agent_settings_diff: AgentSettingsDiff | UnsetType = UNSET
    conversation_settings_diff: ConversationSettingsDiff | UnsetType = UNSET
    # Flat LLM keys of older clients; stored into agent_settings.llm.
    llm_model: str | UnsetType = UNSET
    llm_base_url: str | None | UnsetType = UNSET
    llm_api_key: str | None | UnsetType = UNSET


# Top-level keys a POST may set directly (the typed ones above, minus the diffs and flat keys).
TOP_LEVEL_KEYS = tuple(
    name
    for name in SettingsUpdate.__struct_fields__
    if not name.endswith("_diff") and not name.startswith("llm_")
)
# The reference rejects these with 422: clients must send the `*_diff` forms.
LEGACY_KEYS = ("agent_settings", "conversation_settings")
FLAT_LLM_KEYS = {"llm_model": "model", "llm_base_url": "base_url", "llm_api_key": "api_key"}


class SettingsStored(Model, kw_only=True):
    """`POST /api/v1/settings` answer."""

    message: str = "Settings stored"


# ----- responses -----


class LLMProfiles(Model, kw_only=True):
    profiles: JsonObject = msgspec.field(default_factory=dict)
    active: str | None = None


class SettingsFields(Model, kw_only=True):
    """The fields `GETSettingsModel` and `UserInfo` share, in the reference's order."""

    language: str | None = None
    user_version: int | None = None
    remote_runtime_resource_factor: int | None = None
    secrets_store: JsonObject = msgspec.field(default_factory=lambda: {"provider_tokens": {}})
    enable_sound_notifications: bool = False
    enable_proactive_conversation_starters: bool = True
    user_consents_to_analytics: bool | None = None
    sandbox_base_container_image: str | None = None
    sandbox_runtime_container_image: str | None = None
    disabled_skills: list[str] | None = None
    search_api_key: str | None = None
    sandbox_api_key: str | None = None
    max_budget_per_task: float | None = None
    email: str | None = None
    email_verified: bool | None = None
    git_user_name: str | None = None
    git_user_email: str | None = None
    git_full_clone: bool = False
    v1_enabled: bool = True
    agent_settings: JsonObject = msgspec.field(default_factory=dict)
    conversation_settings: JsonObject = msgspec.field(default_factory=dict)
    sandbox_grouping_strategy: SandboxGroupingStrategy = SandboxGroupingStrategy.NO_GROUPING
    default_sandbox_spec_id: str | None = None
    llm_profiles: LLMProfiles = msgspec.field(default_factory=LLMProfiles)
    active_agent_profile_id: str | None = None
    active_agent_profile_revision: int | None = None
    registered_marketplaces: list[JsonObject] = msgspec.field(default_factory=list)
    inherited_marketplaces: list[JsonObject] = msgspec.field(default_factory=list)


class GETSettingsModel(SettingsFields, kw_only=True):
    """`GET /api/v1/settings`: secrets masked to null, with `*_set` flags."""

    provider_tokens_set: dict[str, str | None] = msgspec.field(default_factory=dict)
    llm_api_key_set: bool
    search_api_key_set: bool = False


class UserInfo(SettingsFields, kw_only=True):
    """`GET /api/v1/users/me`: the settings plus the user id (null for the local user)."""

    id: str | None = None
    # NOTE: not in the 1.11.0 `UserInfo` schema; Cloud workspaces and the CLI read these flat
    # LLM fields from users/me (CLIENTS.md section 1B).
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None


class WebClientFeatureFlags(Model, kw_only=True):
    enable_billing: bool = False
    hide_llm_settings: bool = False
    enable_jira: bool = False
    enable_jira_dc: bool = False
    enable_linear: bool = False
    hide_users_page: bool = False
    hide_billing_page: bool = False
    hide_integrations_page: bool = False
    hide_personal_workspaces: bool = False
    allow_user_llm_configuration: bool = True
    # NOTE: ohlocal runs no ACP agents and no automations; the reference defaults are true.
    enable_acp: bool = False
    deployment_mode: Literal["cloud", "self_hosted"] | None = None
    enable_onboarding: bool = False
    enable_automations: bool = False


class WebClientConfig(Model, kw_only=True):
    """`GET /api/v1/web-client/config`: what the web frontend reads at boot."""

    app_mode: AppMode = AppMode.OSS
    posthog_client_key: str | None = None
    feature_flags: WebClientFeatureFlags = msgspec.field(default_factory=WebClientFeatureFlags)
    providers_configured: list[str] = msgspec.field(default_factory=list)
    maintenance_start_time: str | None = None
    auth_url: str | None = None
    recaptcha_site_key: str | None = None
    faulty_models: list[str] = msgspec.field(default_factory=list)
    error_message: str | None = None
    updated_at: str
    github_app_slug: str | None = None
    gitlab_enabled: bool = False
    provider_default_hosts: dict[str, str] = msgspec.field(default_factory=dict)
    slack_enabled: bool = False
    email_enabled: bool = False
    acp_providers: list[JsonObject] = msgspec.field(default_factory=list)
    jira_dc_oauth_host: str | None = None
    jira_dc_service_account_managed: bool = False
    jira_dc_service_account_email: str | None = None
    jira_dc_service_account_config_error: str | None = None
    kind: Literal["WebClientConfig"] = "WebClientConfig"

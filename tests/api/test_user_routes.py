"""`/api/v1/users/me`: the local user, its settings, and `expose_secrets`."""

from __future__ import annotations

from tests.conftest import start_agent_sandbox


def test_users_me_before_settings_returns_defaults(client) -> None:
    response = client.get("/api/v1/users/me")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] is None
    assert body["llm_model"] == "gpt-4o-mini"
    assert body["llm_api_key"] is None
    assert body["agent_settings"]["llm"]["model"] == "gpt-4o-mini"
    assert body["v1_enabled"] is True


def test_users_me_masks_secrets_by_default(client) -> None:
    client.post(
        "/api/v1/settings",
        json={"agent_settings_diff": {"llm": {"model": "m", "api_key": "sk-user"}}},
    )
    body = client.get("/api/v1/users/me").json()
    assert body["llm_model"] == "m"
    assert body["llm_api_key"] is None
    assert body["agent_settings"]["llm"]["api_key"] is None


def test_users_me_expose_secrets_without_sandbox_key_returns_401(client) -> None:
    response = client.get("/api/v1/users/me", params={"expose_secrets": "true"})
    assert response.status_code == 401
    assert "X-Session-API-Key" in response.json()["detail"]


def test_users_me_expose_secrets_with_running_sandbox_key_shows_them(client) -> None:
    client.post(
        "/api/v1/settings",
        json={"agent_settings_diff": {"llm": {"model": "m", "api_key": "sk-user"}}},
    )
    sandbox = start_agent_sandbox(client)
    response = client.get(
        "/api/v1/users/me", params={"expose_secrets": "true"}, headers=sandbox.headers
    )
    assert response.status_code == 200
    assert response.json()["llm_api_key"] == "sk-user"
    assert response.json()["agent_settings"]["llm"]["api_key"] == "sk-user"


def test_users_me_expose_secrets_not_a_boolean_returns_422(client) -> None:
    response = client.get("/api/v1/users/me", params={"expose_secrets": "maybe"})
    assert response.status_code == 422

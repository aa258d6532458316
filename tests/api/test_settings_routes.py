"""`/api/v1/settings`: 404 before the first POST, diff merging, masking and 422 bodies."""

from __future__ import annotations

from ohlocal.settings import build_settings

LLM_DIFF = {
    "agent_settings_diff": {
        "llm": {
            "model": "openai/fake-model",
            "base_url": "http://127.0.0.1:18999/v1",
            "api_key": "k1",
        }
    }
}


def test_get_settings_before_any_post_returns_404_error_body(client) -> None:
    response = client.get("/api/v1/settings")
    assert response.status_code == 404
    assert response.json() == {"error": "Settings not found"}


def test_post_settings_then_get_shows_llm_with_key_masked(client) -> None:
    stored = client.post("/api/v1/settings", json=LLM_DIFF)
    assert stored.status_code == 200
    assert stored.json() == {"message": "Settings stored"}

    body = client.get("/api/v1/settings").json()
    llm = body["agent_settings"]["llm"]
    assert (llm["model"], llm["base_url"], llm["api_key"]) == (
        "openai/fake-model",
        "http://127.0.0.1:18999/v1",
        None,
    )
    assert body["llm_api_key_set"] is True
    assert body["search_api_key_set"] is False
    assert body["conversation_settings"] == {
        "schema_version": 1,
        "max_iterations": 500,
        "confirmation_mode": False,
        "security_analyzer": "llm",
    }
    assert body["sandbox_grouping_strategy"] == "NO_GROUPING"
    assert body["llm_profiles"] == {"profiles": {}, "active": None}
    assert "k1" not in client.get("/api/v1/settings").text


def test_post_settings_diffs_merge_and_keep_other_fields(client) -> None:
    client.post("/api/v1/settings", json=LLM_DIFF)
    client.post(
        "/api/v1/settings",
        json={
            "agent_settings_diff": {"llm": {"model": "other"}},
            "conversation_settings_diff": {"max_iterations": 20},
            "language": "fr",
        },
    )
    body = client.get("/api/v1/settings").json()
    llm = body["agent_settings"]["llm"]
    assert (llm["model"], llm["base_url"]) == ("other", "http://127.0.0.1:18999/v1")
    assert body["llm_api_key_set"] is True
    assert body["conversation_settings"]["max_iterations"] == 20
    assert body["language"] == "fr"


def test_post_settings_legacy_keys_returns_422_error_body(client) -> None:
    response = client.post("/api/v1/settings", json={"agent_settings": {"llm": {"model": "x"}}})
    assert response.status_code == 422
    assert response.json() == {
        "error": "Use *_diff nested settings payloads instead of legacy keys",
        "keys": ["agent_settings"],
    }
    assert client.get("/api/v1/settings").status_code == 404


def test_post_settings_wrong_type_returns_422_detail_list(client) -> None:
    response = client.post("/api/v1/settings", json={"agent_settings_diff": {"llm": {"model": 3}}})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_type",
                "loc": ["body", "agent_settings_diff", "llm", "model"],
                "msg": "Input should be a valid string",
                "input": 3,
            }
        ]
    }


def test_post_settings_out_of_range_returns_422_detail_list(client) -> None:
    response = client.post(
        "/api/v1/settings", json={"conversation_settings_diff": {"max_iterations": 0}}
    )
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["type"] == "greater_than_equal"
    assert item["loc"] == ["body", "conversation_settings_diff", "max_iterations"]


def test_post_settings_not_an_object_returns_422(client) -> None:
    response = client.post("/api/v1/settings", json=[1, 2])
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "dict_type"


def test_settings_without_llm_key_fall_back_to_server_defaults(home) -> None:
    from litestar.testing import TestClient

    from ohlocal.app import create_app

    settings = build_settings(
        home=home,
        environ={"OHLOCAL_LLM_API_KEY": "server-key"},
        sandbox_backend="process",
        llm_model="served-model",
    )
    with TestClient(create_app(settings)) as client:
        client.post("/api/v1/settings", json={"language": "en"})
        body = client.get("/api/v1/settings").json()
        assert body["agent_settings"]["llm"]["model"] == "served-model"
        assert body["agent_settings"]["llm"]["api_key"] is None
        assert body["llm_api_key_set"] is True
        assert "server-key" not in client.get("/api/v1/settings").text


def test_get_settings_has_the_recorded_fields(client) -> None:
    import json
    from pathlib import Path

    transcript = Path("/work/shared/reference/app-server-transcript.json")
    client.post("/api/v1/settings", json=LLM_DIFF)
    body = client.get("/api/v1/settings").json()
    if transcript.exists():
        exchanges = json.loads(transcript.read_text())["exchanges"]
        recorded = next(
            e["response_body"]
            for e in exchanges
            if e["path"] == "/api/v1/settings" and e["method"] == "GET" and e["status"] == 200
        )
        assert list(body) == list(recorded)
        assert set(body["agent_settings"]) == set(recorded["agent_settings"])
        assert set(body["agent_settings"]["llm"]) == set(recorded["agent_settings"]["llm"])

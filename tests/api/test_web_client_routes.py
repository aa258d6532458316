"""`/api/v1/web-client/config`: the `WebClientConfig` the frontend boots with."""

from __future__ import annotations

import json
from pathlib import Path

REFERENCE = Path("/work/shared/reference/app-server-1.11.0.openapi.json")


def test_web_client_config_is_oss_with_every_required_field(client) -> None:
    response = client.get("/api/v1/web-client/config")
    assert response.status_code == 200
    body = response.json()
    assert body["app_mode"] == "oss"
    assert body["kind"] == "WebClientConfig"
    assert body["providers_configured"] == []
    assert body["feature_flags"]["hide_llm_settings"] is False
    assert body["feature_flags"]["allow_user_llm_configuration"] is True
    assert body["updated_at"].endswith("Z")
    if REFERENCE.exists():
        schemas = json.loads(REFERENCE.read_text())["components"]["schemas"]
        assert set(schemas["WebClientConfig"]["required"]) <= set(body)
        assert set(body) == set(schemas["WebClientConfig"]["properties"])
        flags = schemas["WebClientFeatureFlags"]["properties"]
        assert set(body["feature_flags"]) == set(flags)

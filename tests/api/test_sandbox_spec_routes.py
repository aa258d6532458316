"""`/api/v1/sandbox-specs`."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.settings import build_settings


def test_search_sandbox_specs_lists_the_default(client) -> None:
    page = client.get("/api/v1/sandbox-specs/search").json()
    assert page["next_page_id"] is None
    [spec] = page["items"]
    assert spec["id"] == "ohlocal-default"
    assert spec["working_dir"] == "/workspace"
    assert set(spec) == {"id", "command", "created_at", "initial_env", "working_dir"}


def test_search_sandbox_specs_limit_zero_returns_422(client) -> None:
    response = client.get("/api/v1/sandbox-specs/search", params={"limit": 0})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "greater_than",
                "loc": ["query", "limit"],
                "msg": "Input should be greater than 0",
                "input": "0",
                "ctx": {"gt": 0},
            }
        ]
    }


def test_search_sandbox_specs_limit_above_100_returns_422(client) -> None:
    response = client.get("/api/v1/sandbox-specs/search", params={"limit": 101})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "less_than_equal"


def test_batch_get_sandbox_specs_unknown_id_returns_null(client) -> None:
    response = client.get("/api/v1/sandbox-specs", params={"id": ["ohlocal-default", "nope"]})
    assert response.status_code == 200
    first, second = response.json()
    assert first["id"] == "ohlocal-default"
    assert second is None


def test_batch_get_sandbox_specs_without_ids_returns_422(client) -> None:
    response = client.get("/api/v1/sandbox-specs")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "id"]
    assert response.json()["detail"][0]["type"] == "missing"


def test_config_file_specs_are_listed_and_paged(home: Path) -> None:
    config = home / "config.toml"
    config.write_text(
        '[[sandbox_specs]]\nid = "py"\nimage = "localhost/py:1"\nworking_dir = "/src"\n'
        'initial_env = { A = "1" }\n'
        '[[sandbox_specs]]\nid = "node"\ncommand = ["node", "server.js"]\n'
    )
    settings = build_settings(home=home, environ={}, sandbox_backend="process")
    with TestClient(create_app(settings)) as client:
        first = client.get("/api/v1/sandbox-specs/search", params={"limit": 2}).json()
        assert [s["id"] for s in first["items"]] == ["ohlocal-default", "py"]
        assert first["items"][1]["initial_env"] == {"A": "1"}
        second = client.get(
            "/api/v1/sandbox-specs/search", params={"limit": 2, "page_id": first["next_page_id"]}
        ).json()
        assert [s["id"] for s in second["items"]] == ["node"]
        assert second["items"][0]["command"] == ["node", "server.js"]
        assert second["next_page_id"] is None

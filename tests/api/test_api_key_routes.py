"""`/api/keys`: create, list, use as Bearer, revoke; keys are stored as salted digests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.settings import build_settings

SERVER_KEY = {"X-Session-API-Key": "s3cret"}


@pytest.fixture
def keyed_client(home: Path) -> Iterator[TestClient]:
    settings = build_settings(
        home=home, environ={"OHLOCAL_SESSION_API_KEY": "s3cret"}, sandbox_backend="process"
    )
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_create_api_key_shows_key_once(client) -> None:
    created = client.post("/api/keys", json={"name": "ci"})
    assert created.status_code == 200
    body = created.json()
    assert body["name"] == "ci"
    assert body["key"].startswith("ohl_")
    assert body["prefix"] == body["key"][:12]
    assert body["last_used_at"] is None

    listed = client.get("/api/keys")
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()] == [body["id"]]
    assert "key" not in listed.json()[0]
    assert body["key"] not in listed.text


def test_api_key_is_stored_as_salted_digest(client, home: Path) -> None:
    first = client.post("/api/keys", json={"name": "a"}).json()
    second = client.post("/api/keys", json={"name": "b"}).json()
    with sqlite3.connect(home / "ohlocal.db") as conn:
        rows = conn.execute("SELECT salt, digest FROM api_key").fetchall()
        dump = "\n".join(conn.iterdump())
    assert len(rows) == 2
    assert rows[0][0] != rows[1][0]
    assert all(len(digest) == 32 for _, digest in rows)
    for key in (first["key"], second["key"]):
        assert key not in dump
        assert key.rsplit("_", 1)[1] not in dump


def test_bearer_api_key_works_on_app_server_routes(keyed_client) -> None:
    key = keyed_client.post("/api/keys", json={"name": "cli"}, headers=SERVER_KEY).json()["key"]
    assert keyed_client.get("/api/v1/sandboxes/search", headers=bearer(key)).status_code == 200
    assert keyed_client.get("/api/v1/web-client/config", headers=bearer(key)).status_code == 200
    assert keyed_client.get("/api/v1/users/me", headers=bearer(key)).status_code == 200
    assert keyed_client.get("/api/keys", headers=bearer(key)).status_code == 200
    # An API key also works in the session-key header.
    by_header = keyed_client.get("/api/v1/sandboxes/search", headers={"X-Session-API-Key": key})
    assert by_header.status_code == 200


def test_wrong_or_tampered_api_key_returns_401(keyed_client) -> None:
    key = keyed_client.post("/api/keys", json={"name": "cli"}, headers=SERVER_KEY).json()["key"]
    for wrong in (key[:-1] + ("A" if key[-1] != "A" else "B"), "ohl_", "ohl_x_y", "nope"):
        response = keyed_client.get("/api/v1/sandboxes/search", headers=bearer(wrong))
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid or missing session API key"}


def test_api_key_routes_need_auth_when_server_key_is_set(keyed_client) -> None:
    assert keyed_client.get("/api/keys").status_code == 401
    assert keyed_client.post("/api/keys", json={"name": "x"}).status_code == 401
    assert keyed_client.delete("/api/keys/abc").status_code == 401


def test_revoked_api_key_stops_at_once(keyed_client) -> None:
    created = keyed_client.post("/api/keys", json={"name": "cli"}, headers=SERVER_KEY).json()
    key = created["key"]
    assert keyed_client.get("/api/v1/sandboxes/search", headers=bearer(key)).status_code == 200

    deleted = keyed_client.delete(f"/api/keys/{created['id']}", headers=SERVER_KEY)
    assert deleted.status_code == 200
    assert deleted.json() == {"success": True}
    assert keyed_client.get("/api/v1/sandboxes/search", headers=bearer(key)).status_code == 401
    assert keyed_client.get("/api/keys", headers=SERVER_KEY).json() == []


def test_api_key_last_used_is_recorded(keyed_client) -> None:
    created = keyed_client.post("/api/keys", json={"name": "cli"}, headers=SERVER_KEY).json()
    keyed_client.get("/api/v1/sandboxes/search", headers=bearer(created["key"]))
    listed = keyed_client.get("/api/keys", headers=SERVER_KEY).json()
    assert listed[0]["last_used_at"] is not None


def test_api_keys_survive_a_restart(home: Path) -> None:
    settings = build_settings(
        home=home, environ={"OHLOCAL_SESSION_API_KEY": "s3cret"}, sandbox_backend="process"
    )
    with TestClient(create_app(settings)) as client:
        created = client.post("/api/keys", json={"name": "cli"}, headers=SERVER_KEY).json()
        client.get("/api/v1/sandboxes/search", headers=bearer(created["key"]))
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/sandboxes/search", headers=bearer(created["key"]))
        assert response.status_code == 200
        listed = client.get("/api/keys", headers=SERVER_KEY).json()
        assert listed[0]["last_used_at"] is not None


def test_delete_unknown_api_key_returns_404(client) -> None:
    response = client.delete("/api/keys/0123456789abcdef")
    assert response.status_code == 404
    assert response.json() == {"detail": "API key '0123456789abcdef' not found"}


def test_create_api_key_without_name_returns_422(client) -> None:
    response = client.post("/api/keys", json={})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "missing"


def test_sandbox_key_is_accepted_only_on_users_me(keyed_client) -> None:
    created = keyed_client.post("/api/v1/sandboxes", headers=SERVER_KEY)
    sandbox_key = {"X-Session-API-Key": created.json()["session_api_key"]}
    assert keyed_client.get("/api/v1/users/me", headers=sandbox_key).status_code == 200
    assert keyed_client.get("/api/v1/sandboxes/search", headers=sandbox_key).status_code == 401
    assert keyed_client.get("/api/keys", headers=sandbox_key).status_code == 401

"""The per-sandbox agent prefix: health without a key, everything else behind the key."""

from __future__ import annotations


def _start(client) -> dict:
    return client.post("/api/v1/sandboxes").json()


def test_agent_health_answers_without_key(client) -> None:
    info = _start(client)
    assert client.get(f"/agent/{info['id']}/health").json() == "OK"
    assert client.get(f"/agent/{info['id']}/alive").json() == {"status": "ok"}


def test_agent_routes_without_key_return_401(client) -> None:
    info = _start(client)
    response = client.get(f"/agent/{info['id']}/api/conversations/search")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing session API key"}


def test_agent_routes_with_wrong_key_return_401(client) -> None:
    info = _start(client)
    response = client.get(
        f"/agent/{info['id']}/api/anything", headers={"X-Session-API-Key": "wrong"}
    )
    assert response.status_code == 401


def test_one_sandbox_key_does_not_open_another_sandbox(client) -> None:
    first, second = _start(client), _start(client)
    headers = {"X-Session-API-Key": first["session_api_key"]}
    assert client.get(f"/agent/{second['id']}/api/anything", headers=headers).status_code == 401
    assert client.get(f"/agent/{first['id']}/api/anything", headers=headers).status_code == 404


def test_agent_health_of_paused_sandbox_returns_503(client) -> None:
    info = _start(client)
    client.post(f"/api/v1/sandboxes/{info['id']}/pause")
    response = client.get(f"/agent/{info['id']}/health")
    assert response.status_code == 503
    assert "PAUSED" in response.json()["detail"]


def test_agent_health_of_unknown_sandbox_returns_404(client) -> None:
    assert client.get("/agent/nope/health").status_code == 404

"""The server's own health and info routes."""

from __future__ import annotations


def test_health_routes_answer_like_the_reference(client) -> None:
    assert client.get("/health").json() == "OK"
    assert client.get("/alive").json() == {"status": "ok"}
    assert client.get("/ready").json() == "OK"


def test_server_info_reports_backend_and_uptime(client) -> None:
    info = client.get("/server_info").json()
    assert info["sandbox_backend"]["name"] == "process"
    assert info["sandbox_backend"]["isolated"] is False
    assert info["sandbox_backend"]["pause_mode"] == "signal"
    assert info["uptime"] >= 0
    assert info["agent_server_version"] == "1.58.2"


def test_openapi_and_docs_are_served(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/sandboxes/search" in paths
    assert "/api/v1/sandbox-specs" in paths
    assert client.get("/docs").status_code == 200


def test_unknown_route_returns_404_detail(client) -> None:
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_returns_405_detail(client) -> None:
    response = client.put("/api/v1/sandboxes/search")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}

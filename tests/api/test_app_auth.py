"""App Server auth when a server session key is configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.settings import build_settings


@pytest.fixture
def keyed_client(home: Path) -> Iterator[TestClient]:
    settings = build_settings(
        home=home, environ={"OHLOCAL_SESSION_API_KEY": "s3cret"}, sandbox_backend="process"
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_api_without_key_returns_401(keyed_client) -> None:
    response = keyed_client.get("/api/v1/sandboxes/search")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing session API key"}


def test_api_with_session_header_or_bearer_is_served(keyed_client) -> None:
    by_header = keyed_client.get(
        "/api/v1/sandboxes/search", headers={"X-Session-API-Key": "s3cret"}
    )
    by_bearer = keyed_client.get(
        "/api/v1/sandboxes/search", headers={"Authorization": "Bearer s3cret"}
    )
    assert by_header.status_code == by_bearer.status_code == 200


def test_unknown_api_route_without_key_returns_401(keyed_client) -> None:
    assert keyed_client.get("/api/v1/no-such-route").status_code == 401


def test_health_needs_no_key(keyed_client) -> None:
    assert keyed_client.get("/health").status_code == 200

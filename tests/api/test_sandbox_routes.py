"""`/api/v1/sandboxes` on the process backend (the Podman variants are in tests/podman)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ohlocal.containers.base import run_root

SANDBOX_KEYS = {
    "id",
    "created_by_user_id",
    "sandbox_spec_id",
    "status",
    "session_api_key",
    "exposed_urls",
    "created_at",
}


def _start(client) -> dict:
    response = client.post("/api/v1/sandboxes")
    assert response.status_code == 200
    return response.json()


def _get(client, sandbox_id: str) -> dict:
    [info] = client.get("/api/v1/sandboxes", params={"id": sandbox_id}).json()
    return info


def test_start_sandbox_returns_running_with_key_and_agent_url(client) -> None:
    info = _start(client)
    assert set(info) == SANDBOX_KEYS
    assert info["status"] == "RUNNING"
    assert len(info["id"]) == 22
    assert len(info["session_api_key"]) == 43
    assert info["created_at"].endswith("Z")
    agent = info["exposed_urls"][0]
    assert agent["name"] == "AGENT_SERVER"
    assert agent["url"].endswith(f"/agent/{info['id']}")


def test_session_keys_are_unique_per_sandbox(client) -> None:
    keys = {_start(client)["session_api_key"] for _ in range(3)}
    assert len(keys) == 3


def test_start_sandbox_unknown_spec_returns_404_and_creates_nothing(client) -> None:
    response = client.post("/api/v1/sandboxes", params={"sandbox_spec_id": "python-9"})
    assert response.status_code == 404
    assert response.json() == {"detail": "sandbox spec 'python-9' not found"}
    assert client.get("/api/v1/sandboxes/search").json()["items"] == []


def test_search_sandboxes_pages_newest_first(client) -> None:
    ids = [_start(client)["id"] for _ in range(3)]
    first = client.get("/api/v1/sandboxes/search", params={"limit": 2}).json()
    assert [s["id"] for s in first["items"]] == ids[::-1][:2]
    assert first["next_page_id"] == "2"
    second = client.get(
        "/api/v1/sandboxes/search", params={"limit": 2, "page_id": first["next_page_id"]}
    ).json()
    assert [s["id"] for s in second["items"]] == [ids[0]]
    assert second["next_page_id"] is None


@pytest.mark.parametrize("page_id", ["abc", "-1"])
def test_search_sandboxes_bad_page_id_returns_422(client, page_id: str) -> None:
    response = client.get("/api/v1/sandboxes/search", params={"page_id": page_id})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "page_id"]


def test_batch_get_sandboxes_unknown_ids_return_null(client) -> None:
    info = _start(client)
    result = client.get("/api/v1/sandboxes", params={"id": [info["id"], "nonexistent"]}).json()
    assert result[0]["id"] == info["id"]
    assert result[1] is None


def test_batch_get_sandboxes_more_than_100_ids_returns_400(client) -> None:
    response = client.get("/api/v1/sandboxes", params={"id": [f"s{i}" for i in range(101)]})
    assert response.status_code == 400
    assert "Maximum is 100" in response.json()["detail"]


def test_pause_sandbox_hides_key_and_urls_then_resume_restores_them(client) -> None:
    info = _start(client)
    assert client.post(f"/api/v1/sandboxes/{info['id']}/pause").json() == {"success": True}
    paused = _get(client, info["id"])
    assert paused["status"] == "PAUSED"
    assert paused["session_api_key"] is None
    assert paused["exposed_urls"] is None
    assert client.post(f"/api/v1/sandboxes/{info['id']}/pause").status_code == 200

    assert client.post(f"/api/v1/sandboxes/{info['id']}/resume").json() == {"success": True}
    resumed = _get(client, info["id"])
    assert resumed["status"] == "RUNNING"
    assert resumed["session_api_key"] == info["session_api_key"]


def test_resume_sandbox_already_running_is_a_no_op(client) -> None:
    info = _start(client)
    assert client.post(f"/api/v1/sandboxes/{info['id']}/resume").status_code == 200
    assert _get(client, info["id"])["status"] == "RUNNING"


@pytest.mark.parametrize("action", ["pause", "resume"])
def test_pause_or_resume_unknown_sandbox_returns_404(client, action: str) -> None:
    response = client.post(f"/api/v1/sandboxes/nonexistent/{action}")
    assert response.status_code == 404
    assert response.json() == {"detail": "sandbox 'nonexistent' not found"}


def test_delete_sandbox_reads_query_id_and_twice_returns_404(client) -> None:
    info = _start(client)
    sid = info["id"]
    response = client.delete(f"/api/v1/sandboxes/{sid}", params={"sandbox_id": sid})
    assert response.json() == {"success": True}
    assert client.get("/api/v1/sandboxes", params={"id": sid}).json() == [None]
    again = client.delete(f"/api/v1/sandboxes/{sid}", params={"sandbox_id": sid})
    assert again.status_code == 404


def test_delete_sandbox_without_query_uses_path_id(client) -> None:
    sid = _start(client)["id"]
    assert client.delete(f"/api/v1/sandboxes/{sid}").json() == {"success": True}


def test_pause_deleted_sandbox_returns_404(client) -> None:
    sid = _start(client)["id"]
    client.delete(f"/api/v1/sandboxes/{sid}")
    assert client.post(f"/api/v1/sandboxes/{sid}/pause").status_code == 404


def test_sandbox_whose_process_died_becomes_error(client) -> None:
    info = _start(client)
    home = client.app.state.services.settings.home
    pid = int((run_root(home) / info["id"] / "shim.pid").read_text())
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while _get(client, info["id"])["status"] != "ERROR" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _get(client, info["id"])["status"] == "ERROR"
    # Resume starts a fresh helper on the same workspace.
    assert client.post(f"/api/v1/sandboxes/{info['id']}/resume").status_code == 200
    assert _get(client, info["id"])["status"] == "RUNNING"

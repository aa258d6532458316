"""Hostile input: path traversal, oversize bodies, invalid JSON, wrong content types, missing
or wrong keys, one sandbox's key on another's routes, and secrets in logs, events and errors.
Each bad request gets the right 4xx in the reference's `{"detail": ...}` shape and changes
nothing."""

from __future__ import annotations

import logging

import pytest

from ohlocal.cli import QUIET_LOGGERS, quiet_library_loggers
from tests.conftest import start_agent_sandbox

SECRET = "s3cr3t-token-value-9f2c"
LLM_KEY = "sk-llm-key-value-77aa"
MAX_JSON_BODY = 10 * 1024 * 1024  # docs/compatibility.md


def _conversation_count(sandbox) -> int:
    return sandbox.get("/api/conversations/count").json()


def _create_body(sandbox, **extra) -> dict:
    return {
        "workspace": {"kind": "LocalWorkspace", "working_dir": sandbox.workdir},
        "agent": {
            "kind": "Agent",
            "llm": {
                "model": "openai/fake",
                "base_url": "http://127.0.0.1:9/v1",
                "api_key": LLM_KEY,
            },
            "tools": [{"name": "terminal"}],
        },
        **extra,
    }


@pytest.mark.parametrize(
    "path", ["relative/file.txt", "/workspace/../etc/passwd", "/../../etc/shadow"]
)
def test_file_routes_path_traversal_returns_400_and_writes_nothing(sandbox, path) -> None:
    before = sorted(p.name for p in sandbox.workspace.iterdir())
    upload = sandbox.post("/api/file/upload", params={"path": path}, files={"file": ("x", b"x")})
    download = sandbox.get("/api/file/download", params={"path": path})
    for response in (upload, download):
        assert response.status_code == 400, response.text
        assert set(response.json()) == {"detail"}
    assert sorted(p.name for p in sandbox.workspace.iterdir()) == before


def test_symlink_out_of_workspace_returns_403(sandbox) -> None:
    (sandbox.workspace / "escape").symlink_to("/etc")
    response = sandbox.get(
        "/api/file/download", params={"path": f"{sandbox.workdir}/escape/hostname"}
    )
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


def test_oversize_json_body_returns_413_and_creates_nothing(sandbox) -> None:
    body = b'{"padding": "' + b"x" * (MAX_JSON_BODY + 1) + b'"}'
    response = sandbox.client.post(
        sandbox.prefix + "/api/conversations",
        content=body,
        headers={**sandbox.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert _conversation_count(sandbox) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"workspace": ', "application/json"),
        (b"\xff\xfe not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"workspace=x", "application/x-www-form-urlencoded"),
        (b"plain text", "text/plain"),
    ],
)
def test_bad_body_returns_4xx_with_detail_and_creates_nothing(
    sandbox, content, content_type
) -> None:
    response = sandbox.client.post(
        sandbox.prefix + "/api/conversations",
        content=content,
        headers={**sandbox.headers, "content-type": content_type},
    )
    assert 400 <= response.status_code < 500, response.text
    assert "detail" in response.json()
    assert _conversation_count(sandbox) == 0


@pytest.mark.parametrize("key", [None, "", "wrong-key", "x" * 10_000])
def test_agent_route_without_right_key_returns_401(sandbox, key) -> None:
    headers = {} if key is None else {"X-Session-API-Key": key}
    response = sandbox.client.post(
        sandbox.prefix + "/api/conversations", json=_create_body(sandbox), headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing session API key"}
    assert _conversation_count(sandbox) == 0


def test_session_key_of_one_sandbox_never_opens_another(client) -> None:
    first, second = start_agent_sandbox(client), start_agent_sandbox(client)
    for path in ("/api/conversations/search", "/api/bash/bash_events/search", "/server_info"):
        crossed = client.get(second.prefix + path, headers=first.headers)
        assert crossed.status_code in (401,) or path == "/server_info", (path, crossed.text)
    response = client.post(
        second.prefix + "/api/bash/execute_bash_command",
        json={"command": "touch pwned"},
        headers=first.headers,
    )
    assert response.status_code == 401
    assert not (second.workspace / "pwned").exists()


@pytest.fixture
def debug_logging_as_serve_sets_it(caplog):
    """Every logger at DEBUG, as `ohlocal serve --log-level debug` leaves them."""
    caplog.set_level(logging.DEBUG)
    saved = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    quiet_library_loggers()
    yield caplog
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_secrets_never_reach_logs_events_or_error_bodies(
    sandbox, debug_logging_as_serve_sets_it
) -> None:
    caplog = debug_logging_as_serve_sets_it
    created = sandbox.post(
        "/api/conversations",
        json=_create_body(sandbox, secrets={"API_TOKEN": SECRET}),
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    bodies = [created.text]
    bodies.append(
        sandbox.post(f"/api/conversations/{cid}/secrets", json={"secrets": {"B": SECRET}}).text
    )
    bodies.append(sandbox.post(f"/api/conversations/{cid}/secrets", json={"secrets": SECRET}).text)
    bodies.append(sandbox.get(f"/api/conversations/{cid}").text)
    bodies.append(sandbox.get(f"/api/conversations/{cid}/events/search").text)
    bodies.append(
        sandbox.client.get(
            sandbox.prefix + "/api/conversations/search",
            headers={"X-Session-API-Key": SECRET, "Authorization": f"Bearer {LLM_KEY}"},
        ).text
    )
    bodies.append(
        sandbox.post("/api/conversations", json={"agent": {"llm": {"api_key": LLM_KEY}}}).text
    )
    for text in [*bodies, caplog.text]:
        assert SECRET not in text
        assert LLM_KEY not in text

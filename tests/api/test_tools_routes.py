"""The /api/tools and /api/vscode routes, and the unrouted /api/desktop."""

from __future__ import annotations


def test_list_available_tools(sandbox):
    assert "terminal" in sandbox.get("/api/tools/").json()


def test_vscode_url_disabled_returns_503(sandbox):
    response = sandbox.get("/api/vscode/url")
    assert response.status_code == 503
    assert response.json() == {
        "detail": "VSCode is disabled in configuration. Set enable_vscode=true to enable."
    }


def test_vscode_status_reports_disabled(sandbox):
    assert sandbox.get("/api/vscode/status").json() == {
        "running": False,
        "enabled": False,
        "message": "VSCode is disabled in configuration",
    }


def test_desktop_url_is_not_routed_as_in_the_reference(sandbox):
    response = sandbox.get("/api/desktop/url")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})

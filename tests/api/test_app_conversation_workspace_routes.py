"""The App Server's trajectory, workspace and files routes of an app conversation, with its
sandbox running, paused and deleted."""

from __future__ import annotations

import io
import json
import stat
import uuid
import zipfile

import pytest

from tests.support.app_conversations import finished_conversation

BASE = "/api/v1/app-conversations"


@pytest.fixture
def conversation(app_client) -> dict:
    return finished_conversation(app_client)


def _workspace(app_client, conversation):
    services = app_client.app.state.services
    return services.settings.home / "workspaces" / conversation["sandbox_id"]


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def _leave(app_client, sandbox_id: str, how: str) -> None:
    if how == "pause":
        assert app_client.post(f"/api/v1/sandboxes/{sandbox_id}/pause").status_code == 200
    elif how == "delete":
        deleted = app_client.delete(
            f"/api/v1/sandboxes/{sandbox_id}", params={"sandbox_id": sandbox_id}
        )
        assert deleted.status_code == 200


@pytest.mark.parametrize("how", ["running", "pause", "delete"])
def test_trajectory_workspace_and_files_in_any_sandbox_status(app_client, conversation, how):
    cid = conversation["id"]
    (_workspace(app_client, conversation) / "sub").mkdir()
    _leave(app_client, conversation["sandbox_id"], how)

    trajectory = _zip(app_client.get(f"{BASE}/{cid}/trajectory"))
    names = trajectory.namelist()
    assert f"{cid}/base_state.json" in names
    count = app_client.get(f"/api/v1/conversation/{cid}/events/count").json()
    assert len([n for n in names if n.startswith(f"{cid}/events/event-")]) == count > 0

    workspace = _zip(app_client.get(f"{BASE}/{cid}/workspace"))
    assert workspace.read("hello.txt") == b"hello world\n"

    files = app_client.get(f"{BASE}/{cid}/files").json()
    by_name = {entry["name"]: entry for entry in files}
    assert by_name["hello.txt"]["type"] == "file" and by_name["hello.txt"]["size"] == 12
    assert by_name["sub"]["type"] == "directory"
    assert by_name["hello.txt"]["modified"].endswith("Z")


def test_trajectory_is_the_agent_server_zip(app_client, conversation):
    cid = conversation["id"]
    archive = _zip(app_client.get(f"{BASE}/{cid}/trajectory"))
    state = json.loads(archive.read(f"{cid}/base_state.json"))
    assert state["id"] == str(uuid.UUID(cid)) and state["execution_status"] == "finished"
    assert state["agent"]["llm"]["api_key"] is None
    events = sorted(n for n in archive.namelist() if "/events/" in n)
    first = json.loads(archive.read(events[0]))
    assert events[0] == f"{cid}/events/event-00000-{first['id']}.json"


def test_workspace_zip_leaves_out_git_unless_asked(app_client, conversation):
    cid = conversation["id"]
    root = _workspace(app_client, conversation)
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "marker").write_text("x")
    (root / "nested").mkdir()
    (root / "nested" / ".git").write_text("gitdir: elsewhere\n")
    (root / "nested" / "keep.txt").write_text("kept")
    (root / "link").symlink_to("/etc/hostname")
    response = app_client.get(f"{BASE}/{cid}/workspace")
    assert response.headers["content-type"] == "application/zip"
    archive = _zip(response)
    names = archive.namelist()
    assert "nested/keep.txt" in names
    assert not any(part == ".git" for name in names for part in name.split("/"))
    link = archive.getinfo("link")
    assert stat.S_ISLNK(link.external_attr >> 16) and archive.read("link") == b"/etc/hostname"
    with_git = _zip(app_client.get(f"{BASE}/{cid}/workspace", params={"include_git": True}))
    assert ".git/marker" in with_git.namelist() and "nested/.git" in with_git.namelist()


def test_files_lists_a_subdirectory_by_absolute_path(app_client, conversation):
    cid = conversation["id"]
    root = _workspace(app_client, conversation)
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "b.txt").write_text("bb")
    (root / "sub" / "a.txt").write_text("a")
    working_dir = str(root)  # a process sandbox's working dir is its host workspace
    listed = app_client.get(f"{BASE}/{cid}/files", params={"path": f"{working_dir}/sub"}).json()
    assert [(e["name"], e["type"], e["size"]) for e in listed][:2] == [
        ("a.txt", "file", 1),
        ("b.txt", "file", 2),
    ]
    assert listed[0]["path"] == f"{working_dir}/sub/a.txt"
    assert listed[2]["type"] == "directory"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("relative/dir", 400),
        ("{wd}/../other", 400),
        ("/etc", 400),
        ("{wd}/escape", 403),
        ("{wd}/missing", 404),
        ("{wd}/hello.txt", 400),
    ],
)
def test_files_refuses_bad_paths(app_client, conversation, tmp_path, path, status):
    cid = conversation["id"]
    (_workspace(app_client, conversation) / "escape").symlink_to(tmp_path)
    working_dir = str(_workspace(app_client, conversation))  # a process sandbox's own path
    response = app_client.get(f"{BASE}/{cid}/files", params={"path": path.format(wd=working_dir)})
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("route", ["trajectory", "workspace", "files"])
def test_unknown_and_malformed_ids(app_client, route):
    unknown = str(uuid.uuid4())
    response = app_client.get(f"{BASE}/{unknown}/{route}")
    assert (response.status_code, response.json()) == (
        404, {"detail": f"Conversation {unknown} not found"},
    )  # fmt: skip
    malformed = app_client.get(f"{BASE}/not-a-uuid/{route}")
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "conversation_id"]


def test_deleted_app_conversation_returns_404(app_client, conversation):
    cid = conversation["id"]
    assert app_client.delete(f"{BASE}/{cid}").status_code == 200
    assert app_client.get(f"{BASE}/{cid}/workspace").status_code == 404

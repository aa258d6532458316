"""The /api/file routes on a process sandbox."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile

import pytest

from tests.conftest import start_agent_sandbox
from tests.support.agent_conversations import (
    UNKNOWN_ID,
    assert_invalid_uuid,
    create_conversation,
    get_from_another_sandbox,
    scoped,
)


def _upload(sandbox, path, data=b"hello", field="file"):
    return sandbox.post("/api/file/upload", params={"path": path}, files={field: ("f", data)})


def test_upload_then_download_round_trip(sandbox):
    path = f"{sandbox.workdir}/dir/sub/a.bin"
    data = os.urandom(300_000)
    response = _upload(sandbox, path, data)
    assert response.json() == {"success": True, "file_size": len(data)}
    assert (sandbox.workspace / "dir/sub/a.bin").read_bytes() == data
    down = sandbox.get("/api/file/download", params={"path": path})
    assert down.status_code == 200 and down.content == data
    assert down.headers["content-type"] == "application/octet-stream"


def test_upload_and_download_path_forms(sandbox):
    path = f"{sandbox.workdir}/p.txt"
    response = sandbox.post(f"/api/file/upload{path}", files={"file": ("p.txt", b"by path")})
    assert response.status_code == 200
    assert sandbox.get(f"/api/file/download{path}").content == b"by path"


def test_upload_outside_workspace_goes_through_the_helper(sandbox, tmp_path):
    path = str(tmp_path / "outside" / "o.txt")
    assert _upload(sandbox, path, b"outside").json()["file_size"] == 7
    assert sandbox.get("/api/file/download", params={"path": path}).content == b"outside"


def test_upload_relative_path_returns_400(sandbox):
    response = _upload(sandbox, "relative/a.txt")
    assert response.status_code == 400
    assert response.json() == {"detail": "Path must be absolute: relative/a.txt"}


def test_upload_traversal_returns_400_and_writes_nothing(sandbox):
    path = f"{sandbox.workdir}/../escaped.txt"
    response = _upload(sandbox, path)
    assert response.status_code == 400
    assert not (sandbox.workspace.parent / "escaped.txt").exists()


def test_symlink_escape_returns_403_and_touches_nothing(sandbox, tmp_path):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key").write_text("secret")
    (sandbox.workspace / "link").symlink_to(outside)
    down = sandbox.get("/api/file/download", params={"path": f"{sandbox.workdir}/link/key"})
    assert down.status_code == 403
    up = _upload(sandbox, f"{sandbox.workdir}/link/new", b"x")
    assert up.status_code == 403
    assert sorted(p.name for p in outside.iterdir()) == ["key"]


def test_download_missing_file_returns_404(sandbox):
    response = sandbox.get("/api/file/download", params={"path": f"{sandbox.workdir}/nope"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("File not found")
    outside = sandbox.get("/api/file/download", params={"path": "/no/such/file"})
    assert outside.status_code == 404


def test_download_missing_path_query_returns_422(sandbox):
    assert sandbox.get("/api/file/download").status_code == 422


def test_upload_without_file_field_returns_422(sandbox):
    response = _upload(sandbox, f"{sandbox.workdir}/a.txt", field="other")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]
    plain = sandbox.post(
        "/api/file/upload", params={"path": f"{sandbox.workdir}/a.txt"}, content=b"raw"
    )
    assert plain.status_code == 422


def test_create_directory_is_idempotent_and_refuses_files(sandbox):
    path = f"{sandbox.workdir}/x/y"
    for _ in range(2):
        response = sandbox.post("/api/file/create_directory", params={"path": path})
        assert response.json() == {"success": True}
    assert (sandbox.workspace / "x/y").is_dir()
    (sandbox.workspace / "file").write_text("f")
    over = sandbox.post("/api/file/create_directory", params={"path": f"{sandbox.workdir}/file"})
    assert over.status_code == 400


def test_download_and_archive_work_while_paused(sandbox):
    (sandbox.workspace / "keep.txt").write_text("kept")
    (sandbox.workspace / "node_modules").mkdir()
    (sandbox.workspace / "node_modules" / "dep.js").write_text("x")
    assert sandbox.client.post(f"/api/v1/sandboxes/{sandbox.id}/pause").status_code == 200
    down = sandbox.get("/api/file/download", params={"path": f"{sandbox.workdir}/keep.txt"})
    assert down.content == b"kept"
    archive = sandbox.get("/api/file/archive", params={"path": sandbox.workdir, "format": "tar.gz"})
    assert archive.status_code == 200
    names = tarfile.open(fileobj=io.BytesIO(archive.content)).getnames()
    assert "keep.txt" in names and not any(n.startswith("node_modules") for n in names)
    outside = sandbox.get("/api/file/download", params={"path": "/etc/hostname"})
    assert outside.status_code == 503


def test_archive_git_delta_holds_new_and_changed_files(sandbox):
    script = (
        "git init -q . && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m i"
        " && echo new > new.txt"
    )
    assert (
        sandbox.post("/api/bash/execute_bash_command", json={"command": script}).json()["exit_code"]
        == 0
    )
    archive = sandbox.get("/api/file/archive", params={"path": sandbox.workdir})
    assert archive.status_code == 200
    assert b"+new" in archive.content and b"new.txt" in archive.content


@pytest.mark.parametrize("fmt", ["zip", ""])
def test_archive_invalid_format_returns_422(sandbox, fmt):
    response = sandbox.get("/api/file/archive", params={"path": sandbox.workdir, "format": fmt})
    assert response.status_code == 422


# ----- trajectories: /api/file/download-trajectory/{conversation_id} -----


def _run_turn(sandbox, conversation) -> None:
    """A user message without a run: three events, no LLM."""
    message = {"role": "user", "content": [{"type": "text", "text": "hi"}], "run": False}
    response = sandbox.post(f"/api/conversations/{conversation['id']}/events", json=message)
    assert response.status_code == 200, response.text


def _trajectory(response, conversation) -> dict[str, bytes]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    folder = conversation["id"].replace("-", "")
    assert f'filename="{folder}.zip"' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert all(name.startswith(f"{folder}/") for name in members)
    return {name.removeprefix(f"{folder}/"): data for name, data in members.items()}


def test_download_trajectory_lays_out_state_and_events(sandbox):
    conversation = create_conversation(sandbox)
    _run_turn(sandbox, conversation)
    response = sandbox.get(f"/api/file/download-trajectory/{conversation['id']}")
    members = _trajectory(response, conversation)
    state = json.loads(members.pop("base_state.json"))
    assert state["id"] == conversation["id"] and state["agent"]["llm"]["api_key"] is None
    events = sorted(members)
    assert [name.split("-")[1] for name in events] == ["00000", "00001", "00002"]
    first = json.loads(members[events[0]])
    assert events[0] == f"events/event-00000-{first['id']}.json"
    assert all(value is not None for value in first.values())
    assert b"sk-secret-value" not in response.content


def test_download_trajectory_of_a_new_conversation_has_no_events(sandbox):
    conversation = create_conversation(sandbox)
    response = sandbox.get(f"/api/file/download-trajectory/{conversation['id']}")
    assert list(_trajectory(response, conversation)) == ["base_state.json"]


def test_download_trajectory_works_while_paused(sandbox):
    conversation = create_conversation(sandbox)
    _run_turn(sandbox, conversation)
    assert sandbox.client.post(f"/api/v1/sandboxes/{sandbox.id}/pause").status_code == 200
    response = sandbox.get(f"/api/file/download-trajectory/{conversation['id']}")
    assert len(_trajectory(response, conversation)) == 4


def test_download_trajectory_unknown_or_malformed_id(sandbox):
    unknown = sandbox.get(f"/api/file/download-trajectory/{UNKNOWN_ID}")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Conversation not found"})
    assert_invalid_uuid(sandbox.get("/api/file/download-trajectory/bad"), "conversation_id")


def test_download_trajectory_of_another_sandbox_returns_404(sandbox):
    path = "/api/file/download-trajectory/{cid}"
    assert get_from_another_sandbox(sandbox, start_agent_sandbox, path).status_code == 404


# ----- conversation-scoped: /api/conversations/{runtime_conversation_id}/file -----


def test_scoped_file_routes_hold_paths_inside_the_workspace(sandbox):
    (sandbox.workspace / "project").mkdir()
    conversation = create_conversation(sandbox, f"{sandbox.workdir}/project")
    inside = f"{sandbox.workdir}/project/a.txt"
    up = sandbox.post(
        scoped(conversation, "/file/upload"), params={"path": inside}, files={"file": ("f", b"x")}
    )
    assert up.json() == {"success": True, "file_size": 1}
    down = sandbox.get(scoped(conversation, "/file/download"), params={"path": inside})
    assert down.content == b"x"
    outside = sandbox.post(
        scoped(conversation, "/file/upload"),
        params={"path": f"{sandbox.workdir}/b.txt"},
        files={"file": ("f", b"x")},
    )
    expected = {"detail": "path must be inside the conversation workspace"}
    assert (outside.status_code, outside.json()) == (422, expected)
    assert not (sandbox.workspace / "b.txt").exists()


def test_scoped_download_trajectory_only_of_its_own_conversation(sandbox):
    conversation = create_conversation(sandbox)
    other = create_conversation(sandbox)
    own = sandbox.get(scoped(conversation, f"/file/download-trajectory/{conversation['id']}"))
    assert list(_trajectory(own, conversation)) == ["base_state.json"]
    foreign = sandbox.get(scoped(conversation, f"/file/download-trajectory/{other['id']}"))
    expected = {"detail": "Trajectory must belong to the selected conversation"}
    assert (foreign.status_code, foreign.json()) == (422, expected)
    unknown = sandbox.get(f"/api/conversations/{UNKNOWN_ID}/file/download-trajectory/{UNKNOWN_ID}")
    assert unknown.status_code == 404

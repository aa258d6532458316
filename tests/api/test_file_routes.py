"""The /api/file routes on a process sandbox."""

from __future__ import annotations

import io
import os
import tarfile

import pytest


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

"""The /api/git routes on a process sandbox, running and paused."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.agent_conversations import (
    UNKNOWN_ID,
    assert_invalid_uuid,
    create_conversation,
    scoped,
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Recorder",
    "GIT_AUTHOR_EMAIL": "recorder@example.com",
    "GIT_COMMITTER_NAME": "Recorder",
    "GIT_COMMITTER_EMAIL": "recorder@example.com",
    "GIT_AUTHOR_DATE": "2025-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+00:00",
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent",
}


@pytest.fixture
def repo(sandbox):
    ws = sandbox.workspace
    (ws / "src").mkdir()
    (ws / "README.md").write_text("# Demo\n\nOriginal readme.\n")
    (ws / "src/app.py").write_text("v1\n")
    (ws / "old.txt").write_text("to be deleted\n")
    for command in ("git init -q -b main .", "git add -A", "git commit -q -m 'initial commit'"):
        subprocess.run(command, shell=True, cwd=ws, env=GIT_ENV, check=True)
    (ws / "src/app.py").write_text("v2\n")
    (ws / "old.txt").unlink()
    (ws / "added.txt").write_text("brand new\n")
    return sandbox


def _changes(sandbox, **params):
    response = sandbox.get("/api/git/changes", params={"path": sandbox.workdir} | params)
    assert response.status_code == 200, response.text
    return [(c["status"], c["path"]) for c in response.json()]


EXPECTED = [("ADDED", "added.txt"), ("DELETED", "old.txt"), ("UPDATED", "src/app.py")]


def test_git_changes_lists_working_tree_changes(repo):
    assert _changes(repo) == EXPECTED
    assert _changes(repo, ref="HEAD") == EXPECTED


def test_git_changes_path_form_and_non_repository(repo):
    assert [c["path"] for c in repo.get(f"/api/git/changes{repo.workdir}").json()] == [
        "added.txt", "old.txt", "src/app.py",
    ]  # fmt: skip
    assert repo.get("/api/git/changes", params={"path": "/"}).json() == []


def test_git_diff_modified_added_deleted(repo):
    def diff(name):
        return repo.get("/api/git/diff", params={"path": f"{repo.workdir}/{name}"}).json()

    assert diff("src/app.py") == {"modified": "v2", "original": "v1"}
    assert diff("added.txt") == {"modified": "brand new", "original": ""}
    assert diff("old.txt") == {"modified": "", "original": "to be deleted"}


def test_git_commits_and_commit_changes(repo):
    page = repo.get("/api/git/commits", params={"path": repo.workdir}).json()
    assert page["has_more"] is False
    commit = page["commits"][0]
    assert commit["subject"] == "initial commit" and commit["author"] == "Recorder"
    assert commit["timestamp"] == "2025-01-01T00:00:00+00:00"
    changes = repo.get(
        f"/api/git/commits/{commit['sha']}/changes", params={"path": repo.workdir}
    ).json()
    assert [c["path"] for c in changes] == ["README.md", "old.txt", "src/app.py"]
    by_commit = repo.get(
        "/api/git/diff", params={"path": f"{repo.workdir}/src/app.py", "commit": commit["sha"]}
    ).json()
    assert by_commit == {"modified": "v1", "original": ""}


def test_git_diff_ref_and_commit_returns_400(repo):
    response = repo.get(
        "/api/git/diff",
        params={"path": f"{repo.workdir}/src/app.py", "ref": "HEAD", "commit": "abcd"},
    )
    assert (response.status_code, response.json()) == (
        400, {"detail": "'ref' and 'commit' are mutually exclusive"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/git/diff", {"commit": "xyz"}),
        ("/api/git/commits", {"limit": 0}),
        ("/api/git/commits", {"limit": 201}),
        ("/api/git/changes", {}),
    ],
)
def test_git_invalid_query_returns_422(repo, path, params):
    query = ({"path": repo.workdir} if path != "/api/git/changes" else {}) | params
    assert repo.get(path, params=query).status_code == 422


def test_git_unknown_commit_returns_404(repo):
    response = repo.get("/api/git/commits/abcdef12/changes", params={"path": repo.workdir})
    assert response.status_code == 404


def test_git_changes_work_while_paused(repo):
    assert repo.client.post(f"/api/v1/sandboxes/{repo.id}/pause").status_code == 200
    assert _changes(repo) == EXPECTED


def test_git_paused_refuses_a_repository_whose_config_runs_programs(repo):
    subprocess.run(
        ["git", "config", "core.fsmonitor", "touch /tmp/ohl-pwned"], cwd=repo.workspace, check=True
    )
    assert repo.client.post(f"/api/v1/sandboxes/{repo.id}/pause").status_code == 200
    response = repo.get("/api/git/changes", params={"path": repo.workdir})
    assert response.status_code == 409


# ----- conversation-scoped: /api/conversations/{runtime_conversation_id}/git -----


def test_scoped_git_changes_and_diff_match_the_server_wide_routes(repo):
    conversation = create_conversation(repo)
    changes = repo.get(scoped(conversation, "/git/changes"), params={"path": repo.workdir})
    assert [(c["status"], c["path"]) for c in changes.json()] == EXPECTED
    diff = repo.get(
        scoped(conversation, "/git/diff"), params={"path": f"{repo.workdir}/src/app.py"}
    )
    assert diff.json() == {"modified": "v2", "original": "v1"}
    commits = repo.get(scoped(conversation, "/git/commits"), params={"path": repo.workdir})
    sha = commits.json()["commits"][0]["sha"]
    by_commit = repo.get(
        scoped(conversation, f"/git/commits/{sha}/changes"), params={"path": repo.workdir}
    )
    assert [c["path"] for c in by_commit.json()] == ["README.md", "old.txt", "src/app.py"]


@pytest.mark.parametrize("path", ["/", "relative", "{ws}/../x", "{ws}x"])
def test_scoped_git_path_outside_the_workspace_returns_422(repo, path):
    conversation = create_conversation(repo)
    response = repo.get(
        scoped(conversation, "/git/changes"), params={"path": path.format(ws=repo.workdir)}
    )
    expected = {"detail": "path must be inside the conversation workspace"}
    assert (response.status_code, response.json()) == (422, expected)


def test_scoped_git_unknown_conversation_returns_404(repo):
    response = repo.get(
        f"/api/conversations/{UNKNOWN_ID}/git/changes", params={"path": repo.workdir}
    )
    expected = {"detail": f"Conversation not found: {UNKNOWN_ID}"}
    assert (response.status_code, response.json()) == (404, expected)
    malformed = repo.get("/api/conversations/nope/git/changes", params={"path": repo.workdir})
    assert_invalid_uuid(malformed, "runtime_conversation_id")


def test_scoped_git_changes_work_while_paused(repo):
    conversation = create_conversation(repo)
    assert repo.client.post(f"/api/v1/sandboxes/{repo.id}/pause").status_code == 200
    changes = repo.get(scoped(conversation, "/git/changes"), params={"path": repo.workdir})
    assert [(c["status"], c["path"]) for c in changes.json()] == EXPECTED

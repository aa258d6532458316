"""Start tasks: the statuses of POST /app-conversations and stream-start, repository clone,
setup script, git hooks, skills, batch/search/count, and restart recovery."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.models.app_conversation import (
    AppConversationStartRequest,
    AppConversationStartTask,
    AppConversationStartTaskStatus,
)
from tests.support.app_conversations import (
    ALL_STATUSES,
    MESSAGE,
    bare_repository,
    normalise,
    start,
    transcript,
    wait_task,
)

TASKS = "/api/v1/app-conversations/start-tasks"


def test_start_app_conversation_answers_working_task_as_reference(app_client):
    recorded = transcript()[13]
    response = app_client.post("/api/v1/app-conversations", json=recorded["request_body"])
    assert response.status_code == 200
    body = response.json()
    assert normalise(body) == normalise(recorded["response_body"])
    assert body["created_at"].endswith("Z") and len(body["id"]) == 32
    seen, task = wait_task(app_client, body["id"])
    assert task["status"] == "READY", task
    assert not task["created_at"].endswith("Z")  # NOTE: read back without a zone
    assert seen[-1] == "READY" and set(seen) <= set(ALL_STATUSES)
    assert task["agent_server_url"].endswith(f"/agent/{task['sandbox_id']}")


def test_stream_start_writes_one_json_array_piece_by_piece(app_client):
    body = {"initial_message": MESSAGE, "title": "Streamed conversation"}
    response = app_client.post("/api/v1/app-conversations/stream-start", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    text = response.text
    assert text.startswith("[\n{") and text.endswith("}]") and "\n]" not in text
    lines = text.split("\n")
    assert lines[0] == "["
    tasks = [json.loads(line.rstrip(",").rstrip("]")) for line in lines[1:]]
    assert json.loads(text) == tasks
    assert [t["status"] for t in tasks] == ALL_STATUSES
    assert all(t["updated_at"].endswith("Z") for t in tasks)
    assert tasks[-1]["app_conversation_id"] and tasks[-1]["request"]["title"] == body["title"]
    recorded = json.loads(transcript()[29]["raw_response_body"])
    assert [normalise(t).keys() for t in tasks] == [normalise(t).keys() for t in recorded]


def test_batch_get_start_tasks_unknown_id_is_null(app_client):
    task = start(app_client, **transcript()[13]["request_body"])
    unknown = "dfefb17a-e409-4b76-8965-597cea8fcc6e"
    found = app_client.get(TASKS, params={"ids": [task["id"], unknown]}).json()
    assert found[0]["id"] == task["id"] and found[1] is None
    recorded = transcript()[22]["response_body"]
    assert normalise(found) == normalise(recorded)


def test_search_and_count_start_tasks_filter_and_sort(app_client):
    first = start(app_client, initial_message=MESSAGE)
    second = start(app_client)
    page = app_client.get(f"{TASKS}/search").json()
    assert [t["id"] for t in page["items"]] == [second["id"], first["id"]]
    assert page["next_page_id"] is None
    ascending = app_client.get(f"{TASKS}/search", params={"sort_order": "CREATED_AT"}).json()
    assert [t["id"] for t in ascending["items"]] == [first["id"], second["id"]]
    limited = app_client.get(f"{TASKS}/search", params={"limit": 1}).json()
    assert limited["next_page_id"] == "1"
    by_conversation = {"conversation_id__eq": first["app_conversation_id"]}
    assert [
        t["id"] for t in app_client.get(f"{TASKS}/search", params=by_conversation).json()["items"]
    ] == [first["id"]]
    assert app_client.get(f"{TASKS}/count").json() == 2
    assert app_client.get(f"{TASKS}/count", params=by_conversation).json() == 1
    future = {"created_at__gte": "2999-01-01T00:00:00Z"}
    assert app_client.get(f"{TASKS}/search", params=future).json()["items"] == []


def test_start_task_bad_input_returns_422(app_client):
    assert app_client.get(f"{TASKS}/search", params={"limit": 0}).status_code == 422
    bad = app_client.get(TASKS, params={"ids": "not-a-uuid"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["type"] == "uuid_parsing"
    missing = app_client.get(TASKS).json()
    assert missing == {
        "detail": [
            {"type": "missing", "loc": ["query", "ids"], "msg": "Field required", "input": None}
        ]
    }
    too_many = app_client.get(TASKS, params={"ids": ["0" * 32] * 101})
    assert too_many.status_code == 400
    bad_sort = app_client.get(f"{TASKS}/search", params={"sort_order": "NOPE"})
    assert bad_sort.status_code == 422


def test_clone_local_repository_runs_setup_hooks_and_skills(app_client, tmp_path):
    files = {
        "README.md": "main\n",
        ".openhands/setup.sh": "echo setup-ran > setup.out\n",
        ".openhands/pre-commit.sh": "exit 0\n",
        "AGENTS.md": "Always run the tests.\n",
        ".openhands/skills/deploy.md": "---\nname: deploy\ntriggers:\n- deploy\n---\nUse make.\n",
    }
    bare = bare_repository(tmp_path, files)
    task = start(
        app_client,
        selected_repository=str(bare),
        selected_branch="main",
        initial_message=MESSAGE,
    )
    assert task["status"] == "READY", task
    services = app_client.app.state.services
    workspace = services.settings.home / "workspaces" / task["sandbox_id"]
    assert (workspace / "repo" / "README.md").read_text() == "main\n"
    assert (workspace / "repo" / "setup.out").read_text() == "setup-ran\n"
    hook = workspace / "repo" / ".git" / "hooks" / "pre-commit"
    assert "pre-commit.sh" in hook.read_text()
    cid = task["app_conversation_id"]
    skills = app_client.get(f"/api/v1/app-conversations/{cid}/skills").json()["skills"]
    assert {(s["name"], s["type"], tuple(s["triggers"])) for s in skills} == {
        ("agents", "repo", ()),
        ("deploy", "knowledge", ("deploy",)),
    }
    found = app_client.get("/api/v1/app-conversations", params={"ids": cid}).json()[0]
    assert found["selected_repository"] == str(bare) and found["selected_branch"] == "main"
    prompt = app_client.get(
        f"/api/v1/conversation/{cid}/events/search", params={"kind__eq": "SystemPromptEvent"}
    ).json()["items"][0]
    context = prompt["dynamic_context"]["text"]
    assert "Always run the tests." in context and "cloned to" in context


def test_clone_file_url_of_a_branch(app_client, tmp_path):
    bare = bare_repository(tmp_path, {"x.txt": "x\n"}, branch="feature")
    task = start(app_client, selected_repository=f"file://{bare}", selected_branch="feature")
    assert task["status"] == "READY", task


def test_failing_setup_script_gives_error_with_its_output(app_client, tmp_path):
    script = "echo preparing; echo broken-dependency >&2; exit 3\n"
    bare = bare_repository(tmp_path, {".openhands/setup.sh": script})
    response = app_client.post("/api/v1/app-conversations", json={"selected_repository": str(bare)})
    seen, task = wait_task(app_client, response.json()["id"])
    assert seen[-2:] == ["RUNNING_SETUP_SCRIPT", "ERROR"] or seen[-1] == "ERROR"
    assert task["status"] == "ERROR"
    assert "exit code 3" in task["detail"] and "broken-dependency" in task["detail"]
    assert task["app_conversation_id"] is None


def test_clone_of_missing_repository_gives_error(app_client, tmp_path):
    task = start(app_client, selected_repository=str(tmp_path / "nowhere.git"))
    assert task["status"] == "ERROR" and "git clone" in task["detail"]


def test_unknown_sandbox_gives_error(app_client):
    task = start(app_client, sandbox_id="nonexistent")
    assert task["status"] == "ERROR" and "nonexistent" in task["detail"]


def test_reused_sandbox_keeps_its_id(app_client):
    first = start(app_client)
    second = start(app_client, sandbox_id=first["sandbox_id"])
    assert second["status"] == "READY" and second["sandbox_id"] == first["sandbox_id"]


def test_unfinished_task_fails_with_detail_after_restart(app_settings):
    task = AppConversationStartTask(
        id="ab" * 16,
        status=AppConversationStartTaskStatus.PREPARING_REPOSITORY,
        request=AppConversationStartRequest(),
        created_at="2026-01-01T00:00:00.000000",
        updated_at="2026-01-01T00:00:00.000000",
    )
    with TestClient(create_app(app_settings)) as client, client.portal() as portal:
        portal.call(client.app.state.services.start_tasks._store.put, task)
    with TestClient(create_app(app_settings)) as client:
        found = client.get(TASKS, params={"ids": task.id}).json()[0]
    assert found["status"] == "ERROR"
    assert "restarted" in found["detail"] and "PREPARING_REPOSITORY" in found["detail"]


@pytest.mark.parametrize("body", [{"pr_number": "x"}, {"agent_type": "other"}, []])
def test_start_invalid_body_returns_422(app_client, body):
    response = app_client.post("/api/v1/app-conversations", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)

"""App conversations on real Podman sandboxes: start to READY with the agent's command run in
the container, a repository cloned and set up inside it, and a paused or deleted sandbox still
serving events, export, files, the trajectory and the workspace zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.settings import build_settings
from tests.support.app_conversations import bare_repository, start, transcript, wait_execution
from tests.support.scripted_llm import ScriptedLLMServer

pytestmark = pytest.mark.podman


@pytest.fixture
def client(podman_settings) -> Iterator[TestClient]:
    from tests.support.app_conversations import hello_script

    with ScriptedLLMServer(hello_script()) as llm:
        settings = build_settings(
            home=podman_settings.home,
            environ={},
            sandbox_backend="podman",
            podman_url=podman_settings.podman_url,
            reconcile_interval=0.2,
            llm_base_url=llm.base_url,
            llm_model="openai/fake-model",
            llm_api_key="sk-test",
        )
        with TestClient(create_app(settings)) as test_client:
            yield test_client


def test_podman_app_conversation_runs_agent_in_container(client):
    task = start(client, **transcript()[13]["request_body"])
    assert task["status"] == "READY", task
    conversation = wait_execution(client, task["app_conversation_id"])
    cid = conversation["id"]
    hello = client.get(
        f"/api/v1/app-conversations/{cid}/file", params={"file_path": "/workspace/hello.txt"}
    )
    assert hello.json() == "hello world\n"

    sandbox_id = conversation["sandbox_id"]
    assert client.post(f"/api/v1/sandboxes/{sandbox_id}/pause").status_code == 200
    paused = client.get("/api/v1/app-conversations", params={"ids": cid}).json()[0]
    assert paused["sandbox_status"] == "PAUSED" and paused["conversation_url"] is None
    count = client.get(f"/api/v1/conversation/{cid}/events/count").json()
    assert count > 0
    assert client.get(f"/api/v1/app-conversations/{cid}/download").status_code == 200

    client.delete(f"/api/v1/sandboxes/{sandbox_id}", params={"sandbox_id": sandbox_id})
    assert client.get(f"/api/v1/conversation/{cid}/events/count").json() == count
    again = client.get(
        f"/api/v1/app-conversations/{cid}/file", params={"file_path": "/workspace/hello.txt"}
    )
    assert again.json() == "hello world\n"


def test_podman_setup_script_runs_inside_the_sandbox(client, tmp_path):
    script = (
        "{ [ -e /run/.containerenv ] || [ -e /.containerenv ]; } && echo in-container > where.txt\n"
    )
    bare = bare_repository(tmp_path, {".openhands/setup.sh": script})
    task = start(client, selected_repository=str(bare))
    assert task["status"] == "READY", task
    where = client.get(
        f"/api/v1/app-conversations/{task['app_conversation_id']}/file",
        params={"file_path": "/workspace/repo/where.txt"},
    )
    assert where.json() == "in-container\n"


def test_podman_failing_setup_script_gives_error(client, tmp_path):
    bare = bare_repository(tmp_path, {".openhands/setup.sh": "echo nope-from-setup; exit 7\n"})
    task = start(client, selected_repository=str(bare))
    assert task["status"] == "ERROR" and "nope-from-setup" in task["detail"]


def _serves_what_it_left(client, cid: str) -> None:
    """Trajectory, workspace zip and listing, with container paths (`/workspace/...`)."""
    base = f"/api/v1/app-conversations/{cid}"
    trajectory = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/trajectory").content))
    assert f"{cid}/base_state.json" in trajectory.namelist()
    workspace = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/workspace").content))
    assert workspace.read("hello.txt") == b"hello world\n"
    listed = {e["name"]: e for e in client.get(f"{base}/files").json()}
    assert listed["hello.txt"]["path"] == "/workspace/hello.txt"
    sub = client.get(f"{base}/files", params={"path": "/workspace/../etc"})
    assert sub.status_code == 400


def test_podman_paused_and_deleted_sandbox_serve_trajectory_workspace_and_files(client):
    task = start(client, **transcript()[13]["request_body"])
    assert task["status"] == "READY", task
    conversation = wait_execution(client, task["app_conversation_id"])
    cid, sandbox_id = conversation["id"], conversation["sandbox_id"]
    assert client.post(f"/api/v1/sandboxes/{sandbox_id}/pause").status_code == 200
    _serves_what_it_left(client, cid)
    client.delete(f"/api/v1/sandboxes/{sandbox_id}", params={"sandbox_id": sandbox_id})
    _serves_what_it_left(client, cid)

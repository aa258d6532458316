"""Sandboxes on real Podman containers: lifecycle, workspace, worker ports, reconciliation and
adoption after a restart."""

from __future__ import annotations

import subprocess
import time

import anyio
import httpx
import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.containers.base import home_tag, sandbox_layout
from ohlocal.containers.podman_backend import LABEL_HOME, LABEL_SANDBOX
from ohlocal.containers.podman_service import podman_env
from ohlocal.containers.shim_client import ShimClient

pytestmark = pytest.mark.podman


def podman(service, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env=podman_env(service.conf),
        capture_output=True,
        text=True,
        check=False,
    )


def container_state(service, sandbox_id: str) -> str:
    result = podman(service, "inspect", "--format", "{{.State.Status}}", f"ohlocal-{sandbox_id}")
    return result.stdout.strip() if result.returncode == 0 else "missing"


def status_of(client, sandbox_id: str) -> str:
    return client.get("/api/v1/sandboxes", params={"id": sandbox_id}).json()[0]["status"]


def wait_status(client, sandbox_id: str, wanted: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    status = status_of(client, sandbox_id)
    while status != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
        status = status_of(client, sandbox_id)
    return status


def shim_exec(settings, sandbox_id: str, command: str) -> tuple[int, str, str]:
    layout = sandbox_layout(settings.home, sandbox_id)
    return anyio.run(ShimClient(layout.socket_path).exec, command)


def test_sandbox_is_a_labelled_container_with_its_workspace(
    podman_client, podman_settings, podman_service
) -> None:
    info = podman_client.post("/api/v1/sandboxes").json()
    assert info["status"] == "RUNNING"
    sid = info["id"]
    assert container_state(podman_service, sid) == "running"
    labels = podman(
        podman_service, "inspect", "--format", "{{json .Config.Labels}}", f"ohlocal-{sid}"
    ).stdout
    assert f'"{LABEL_SANDBOX}":"{sid}"' in labels
    assert f'"{LABEL_HOME}":"{home_tag(podman_settings.home)}"' in labels

    code, out, _ = shim_exec(podman_settings, sid, "echo hi > /workspace/x.txt && pwd && id -u")
    assert code == 0
    assert out.split() == ["/workspace", "0"]
    assert (podman_settings.home / "workspaces" / sid / "x.txt").read_text() == "hi\n"
    # catatonit runs as PID 1 (init=True), the helper below it.
    _, comm, _ = shim_exec(podman_settings, sid, "cat /proc/1/comm")
    assert comm.strip() in ("catatonit", "podman-init")


def test_worker_ports_are_published_on_loopback(podman_client, podman_settings) -> None:
    info = podman_client.post("/api/v1/sandboxes").json()
    workers = {u["name"]: u for u in info["exposed_urls"] if u["name"].startswith("WORKER")}
    assert set(workers) == {"WORKER_1", "WORKER_2"}
    shim_exec(
        podman_settings,
        info["id"],
        "cd /workspace && echo served > index.html && "
        "(nohup python3 -m http.server 8000 >/dev/null 2>&1 &) ; sleep 0.5",
    )
    body = ""
    for _ in range(50):
        try:
            body = httpx.get(workers["WORKER_1"]["url"] + "/index.html", timeout=1).text
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    assert body == "served\n"


def test_pause_freezes_and_resume_thaws_the_container(podman_client, podman_service) -> None:
    sid = podman_client.post("/api/v1/sandboxes").json()["id"]
    assert podman_client.post(f"/api/v1/sandboxes/{sid}/pause").status_code == 200
    assert container_state(podman_service, sid) == "paused"
    assert status_of(podman_client, sid) == "PAUSED"
    assert podman_client.post(f"/api/v1/sandboxes/{sid}/resume").status_code == 200
    assert container_state(podman_service, sid) == "running"
    assert status_of(podman_client, sid) == "RUNNING"


def test_delete_removes_the_container_and_keeps_the_workspace(
    podman_client, podman_settings, podman_service
) -> None:
    sid = podman_client.post("/api/v1/sandboxes").json()["id"]
    shim_exec(podman_settings, sid, "echo kept > /workspace/keep.txt")
    assert podman_client.delete(f"/api/v1/sandboxes/{sid}", params={"sandbox_id": sid}).json()
    assert container_state(podman_service, sid) == "missing"
    assert (podman_settings.home / "workspaces" / sid / "keep.txt").read_text() == "kept\n"


def test_container_removed_behind_our_back_becomes_missing(podman_client, podman_service) -> None:
    sid = podman_client.post("/api/v1/sandboxes").json()["id"]
    podman(podman_service, "rm", "-f", "-t", "0", f"ohlocal-{sid}")
    assert wait_status(podman_client, sid, "MISSING") == "MISSING"
    # Resume of a MISSING sandbox starts a fresh container on the same workspace.
    assert podman_client.post(f"/api/v1/sandboxes/{sid}/resume").status_code == 200
    assert status_of(podman_client, sid) == "RUNNING"
    assert container_state(podman_service, sid) == "running"


def test_container_that_died_becomes_error(podman_client, podman_service) -> None:
    sid = podman_client.post("/api/v1/sandboxes").json()["id"]
    podman(podman_service, "stop", "-t", "0", f"ohlocal-{sid}")
    assert wait_status(podman_client, sid, "ERROR") == "ERROR"


def test_restart_adopts_containers_and_removes_only_our_orphans(
    podman_settings, podman_service
) -> None:
    with TestClient(create_app(podman_settings)) as first:
        sid = first.post("/api/v1/sandboxes").json()["id"]
        paused = first.post("/api/v1/sandboxes").json()["id"]
        first.post(f"/api/v1/sandboxes/{paused}/pause")
    # An orphan of ours (labelled with our home, unknown to the store) and a stranger's container.
    image = podman_settings.image
    tag = home_tag(podman_settings.home)
    podman(
        podman_service,
        "run",
        "-d",
        "--init",
        "--name",
        f"orphan-{tag}",
        "--label",
        f"{LABEL_HOME}={tag}",
        "--label",
        f"{LABEL_SANDBOX}=ghost",
        image,
        "sleep",
        "300",
    )
    podman(
        podman_service, "run", "-d", "--init", "--name", f"stranger-{tag}", image, "sleep", "300"
    )
    try:
        with TestClient(create_app(podman_settings)) as second:
            items = second.get("/api/v1/sandboxes/search").json()["items"]
            assert {i["id"]: i["status"] for i in items} == {sid: "RUNNING", paused: "PAUSED"}
            assert container_state(podman_service, sid) == "running"
            assert container_state(podman_service, "ghost") == "missing"
            assert podman(podman_service, "container", "exists", f"orphan-{tag}").returncode == 1
            assert podman(podman_service, "container", "exists", f"stranger-{tag}").returncode == 0
            listed = podman(
                podman_service, "ps", "-a", "-q", "--filter", f"label={LABEL_HOME}={tag}"
            ).stdout.split()
            assert len(listed) == 2  # adopted, not duplicated
            assert second.post(f"/api/v1/sandboxes/{paused}/resume").status_code == 200
            key = second.get("/api/v1/sandboxes", params={"id": sid}).json()[0]["session_api_key"]
            assert second.get(f"/agent/{sid}/health").status_code == 200
            assert key
    finally:
        podman(podman_service, "rm", "-f", "-t", "0", f"stranger-{tag}")

"""Shared fixtures: settings on a temporary home, the app, its test client, and a Podman
service for the tests marked `podman`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import hypothesis
import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.containers.base import home_tag, run_root
from ohlocal.containers.podman_backend import LABEL_HOME
from ohlocal.containers.podman_service import PodmanService, podman_env
from ohlocal.containers.process_backend import PID_FILE
from ohlocal.settings import DEFAULT_IMAGE, Settings, build_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Schemathesis examples per API operation (tests/fuzz): small in the normal suite; `make fuzz`
# passes a larger number.
DEFAULT_FUZZ_EXAMPLES = 4


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=DEFAULT_FUZZ_EXAMPLES,
        help="Schemathesis examples per API operation (tests/fuzz).",
    )


def pytest_configure(config: pytest.Config) -> None:
    hypothesis.settings.register_profile(
        "ohlocal-fuzz",
        max_examples=config.getoption("--fuzz-examples"),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    hypothesis.settings.load_profile("ohlocal-fuzz")


def _stop_process_sandboxes(home: Path) -> None:
    """End the helpers of the process sandboxes a test left behind: they are daemons that
    outlive the server by design, and would pile up over a run."""
    for pid_file in run_root(home).glob(f"*/{PID_FILE}"):
        try:
            pid = int(pid_file.read_text())
            os.killpg(pid, signal.SIGCONT)
            os.killpg(pid, signal.SIGKILL)
        except (OSError, ValueError):
            continue


@pytest.fixture
def home() -> Iterator[Path]:
    # Short paths under /tmp keep sandbox sockets well inside the unix socket length limit.
    path = Path(tempfile.mkdtemp(prefix="ohl-"))
    yield path
    _stop_process_sandboxes(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(home: Path) -> Settings:
    return build_settings(home=home, environ={}, sandbox_backend="process", reconcile_interval=0.2)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


def _podman_problem() -> str | None:
    if shutil.which("podman") is None:
        return "podman is not installed"
    probe = subprocess.run(
        ["podman", "image", "exists", DEFAULT_IMAGE], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return f"sandbox image {DEFAULT_IMAGE} is missing (run 'make image')"
    return None


@pytest.fixture(scope="session")
def podman_service() -> Iterator[PodmanService]:
    """One Podman API service for the whole run, on its own socket."""
    problem = _podman_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"Podman tests must run under CI: {problem}")
        pytest.skip(problem)
    state = Path(tempfile.mkdtemp(prefix="ohl-podman-"))
    service = PodmanService(state, state / "podman.sock")
    service.start()
    yield service
    service.stop()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def podman_settings(home: Path, podman_service: PodmanService) -> Iterator[Settings]:
    """Settings for a server on real Podman; its containers are removed afterwards."""
    yield build_settings(
        home=home,
        environ={},
        sandbox_backend="podman",
        podman_url=podman_service.url,
        reconcile_interval=0.2,
    )
    subprocess.run(
        ["podman", "rm", "-f", "-t", "0", "--filter", f"label={LABEL_HOME}={home_tag(home)}"],
        env=podman_env(podman_service.conf),
        capture_output=True,
        check=False,
    )


@pytest.fixture
def podman_client(podman_settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(podman_settings)) as test_client:
        yield test_client


class AgentSandbox:
    """A started sandbox seen from a client: its agent URL prefix, key headers and paths."""

    def __init__(self, client: TestClient[Litestar], info: dict[str, object]) -> None:
        self.client = client
        self.id = str(info["id"])
        self.prefix = f"/agent/{self.id}"
        self.headers = {"X-Session-API-Key": str(info["session_api_key"])}
        services = client.app.state.services
        self.runtime = _sync_runtime(client, services, self.id)
        self.workdir = self.runtime.working_dir
        self.workspace = self.runtime.layout.workspace

    def get(self, path: str, **kwargs):
        return self.client.get(self.prefix + path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(self.prefix + path, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(self.prefix + path, headers=self.headers, **kwargs)

    def request(self, method: str, path: str, **kwargs):
        return self.client.request(method, self.prefix + path, headers=self.headers, **kwargs)


def _sync_runtime(client, services, sandbox_id):
    async def fetch():
        return await services.sandboxes.workspace_runtime(sandbox_id)

    assert client.blocking_portal is not None
    return client.blocking_portal.call(fetch)


def start_agent_sandbox(client: TestClient[Litestar]) -> AgentSandbox:
    response = client.post("/api/v1/sandboxes")
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["status"] == "RUNNING", info
    return AgentSandbox(client, info)


@pytest.fixture
def sandbox(client: TestClient[Litestar]) -> AgentSandbox:
    """A RUNNING process sandbox."""
    return start_agent_sandbox(client)


@pytest.fixture
def podman_sandbox(podman_client: TestClient[Litestar]) -> AgentSandbox:
    """A RUNNING Podman sandbox."""
    return start_agent_sandbox(podman_client)

"""Fixtures for the Agent Server routes: an app with the IdleRunner and one running sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.ids import new_sandbox_id, new_session_api_key
from ohlocal.models.base import utc_now
from ohlocal.models.sandbox import SandboxRecord, SandboxStatus
from ohlocal.settings import DEFAULT_SPEC_ID, Settings, build_settings
from tests.support.app_conversations import hello_script
from tests.support.idle_runner import IdleRunner
from tests.support.scripted_llm import ScriptedLLMServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from litestar import Litestar


@dataclass
class Agent:
    """A test client bound to one sandbox's agent server."""

    client: TestClient[Litestar]
    sandbox_id: str
    key: str

    @property
    def base(self) -> str:
        return f"/agent/{self.sandbox_id}"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Session-API-Key": self.key}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(self.base + path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(self.base + path, json=json, headers=self.headers, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, self.base + path, headers=self.headers, **kwargs)

    def create(self, **body: Any) -> dict[str, Any]:
        body.setdefault("agent", {"kind": "Agent", "llm": {"model": "m", "api_key": "sk-x"}})
        body.setdefault("workspace", {"kind": "LocalWorkspace", "working_dir": "/workspace"})
        response = self.post("/api/conversations", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def agent_settings(home: Path) -> Settings:
    # No reconciling: the test sandbox below has no process behind it.
    return build_settings(home=home, environ={}, sandbox_backend="process", reconcile_interval=3600)


@pytest.fixture
def runner_app(agent_settings: Settings) -> Litestar:
    return create_app(agent_settings, runner_factory=IdleRunner)


def add_running_sandbox(app: Litestar, client: TestClient[Litestar]) -> SandboxRecord:
    """A RUNNING sandbox record without a process: the agent routes need only the record."""
    sandboxes = app.state.services.sandboxes
    record = SandboxRecord(
        id=new_sandbox_id(),
        sandbox_spec_id=DEFAULT_SPEC_ID,
        status=SandboxStatus.RUNNING,
        session_api_key=new_session_api_key(),
        created_at=utc_now(),
    )
    with client.portal() as portal:
        portal.call(sandboxes._store.insert, record)
    sandboxes._keys[record.id] = record.session_api_key
    return record


@pytest.fixture
def agent(runner_app: Litestar) -> Iterator[Agent]:
    with TestClient(runner_app) as client:
        record = add_running_sandbox(runner_app, client)
        yield Agent(client, record.id, record.session_api_key)


@pytest.fixture
def scripted_llm() -> Iterator[ScriptedLLMServer]:
    """An OpenAI-compatible server playing the hello script (tests/support/app_conversations)."""
    with ScriptedLLMServer(hello_script()) as llm:
        yield llm


@pytest.fixture
def app_settings(home: Path, scripted_llm: ScriptedLLMServer) -> Settings:
    """Process sandboxes; new app conversations use the scripted LLM."""
    return build_settings(
        home=home,
        environ={},
        sandbox_backend="process",
        reconcile_interval=0.2,
        llm_base_url=scripted_llm.base_url,
        llm_model="openai/fake-model",
        llm_api_key="sk-test",
    )


@pytest.fixture
def app_client(app_settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(app_settings)) as client:
        yield client

"""Webhook delivery end to end: a real HTTP receiver on loopback gets conversation info and
event batches in order, keeps nothing lost across its own outage and across a restart of
ohlocal, and gets each event exactly once when nothing crashed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.settings import Settings, build_settings
from tests.api.conftest import add_running_sandbox
from tests.support.idle_runner import IdleRunner
from tests.support.webhook_receiver import Receiver

AGENT = {"kind": "Agent", "llm": {"model": "m", "api_key": "sk-x"}}


def webhook_settings(home: Path, receiver: Receiver, **overrides: Any) -> Settings:
    options = {
        "event_buffer_size": 3,
        "flush_delay": 0.2,
        "num_retries": 2,
        "retry_delay": 0.05,
        **overrides,
    }
    lines = [f'base_url = "{receiver.base_url}"', 'headers = { X-Receiver-Token = "t0k" }']
    lines += [f"{name} = {value}" for name, value in options.items()]
    config = home / "config.toml"
    config.write_text("[[webhooks]]\n" + "\n".join(lines) + "\n")
    return build_settings(
        home=home,
        config_file=config,
        environ={},
        sandbox_backend="process",
        reconcile_interval=3600,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    yield found
    if found._server is not None:
        found.stop()


class Conversation:
    def __init__(self, client: TestClient, sandbox_id: str, key: str, cid: str) -> None:
        self.client, self.base, self.key, self.id = client, f"/agent/{sandbox_id}", key, cid

    @classmethod
    def start(cls, client: TestClient) -> Conversation:
        record = add_running_sandbox(client.app, client)
        headers = {"X-Session-API-Key": record.session_api_key}
        body = {"agent": AGENT, "workspace": {"kind": "LocalWorkspace", "working_dir": "/w"}}
        response = client.post(f"/agent/{record.id}/api/conversations", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return cls(client, record.id, record.session_api_key, response.json()["id"])

    def post(self, path: str, json: Any = None) -> Any:
        response = self.client.post(
            f"{self.base}/api/conversations/{self.id}{path}",
            json=json,
            headers={"X-Session-API-Key": self.key},
        )
        assert response.status_code < 300, response.text
        return response

    def say(self, text: str) -> None:
        self.post("/events", {"role": "user", "content": [{"type": "text", "text": text}]})

    def log_ids(self) -> list[str]:
        response = self.client.get(
            f"{self.base}/api/conversations/{self.id}/events/search",
            params={"limit": 100},
            headers={"X-Session-API-Key": self.key},
        )
        return [event["id"] for event in response.json()["items"]]


def statuses(receiver: Receiver) -> list[str]:
    return [info["execution_status"] for info in receiver.infos()]


def test_receiver_gets_info_and_events_in_order_across_its_outage(home, receiver) -> None:
    settings = webhook_settings(home, receiver)
    with TestClient(create_app(settings, runner_factory=IdleRunner)) as client:
        conversation = Conversation.start(client)
        conversation.say("one")
        receiver.wait_for(lambda r: len(r.events()) == 2 and statuses(r) == ["idle"])

        receiver.stop()
        conversation.post("/run")
        conversation.say("two")
        conversation.post("/pause")
        conversation.say("three")
        # Deliveries fail while the receiver is down: they are kept and retried.
        time.sleep(1.0)
        assert len(receiver.events()) == 2
        receiver.start()

        expected = conversation.log_ids()
        receiver.wait_for(lambda r: len(r.events()) == len(expected), timeout=30)
        receiver.wait_for(lambda r: statuses(r) == ["idle", "running", "paused"])
        assert [event["id"] for event in receiver.events()] == expected

        first = receiver.snapshot()[0]
        assert first.path == "/hooks/conversations"
        assert first.headers["x-session-api-key"] == conversation.key
        assert first.headers["x-receiver-token"] == "t0k"
        assert first.body["id"] == conversation.id
        assert all(d.headers["x-session-api-key"] == conversation.key for d in receiver.snapshot())
        hex_id = conversation.id.replace("-", "")
        assert {d.path for d in receiver.snapshot()} == {
            "/hooks/conversations",
            f"/hooks/events/{hex_id}",
        }
        assert all(len(d.body) <= 3 for d in receiver.snapshot() if "/events/" in d.path)


def test_info_follows_the_events_of_its_status_change(home, receiver) -> None:
    settings = webhook_settings(home, receiver, flush_delay=30.0)
    with TestClient(create_app(settings, runner_factory=IdleRunner)) as client:
        conversation = Conversation.start(client)
        receiver.wait_for(lambda r: statuses(r) == ["idle"])
        conversation.post("/run")
        receiver.wait_for(lambda r: statuses(r) == ["idle", "running"])
        order = [
            ("info" if d.path.endswith("/conversations") else "events") for d in receiver.snapshot()
        ]
        assert order == ["info", "events", "info"]
        assert receiver.events()[-1]["key"] == "execution_status"


def test_deleted_conversation_delivers_pending_events_then_deleting_info(home, receiver) -> None:
    settings = webhook_settings(home, receiver, flush_delay=30.0, event_buffer_size=50)
    with TestClient(create_app(settings, runner_factory=IdleRunner)) as client:
        conversation = Conversation.start(client)
        receiver.wait_for(lambda r: statuses(r) == ["idle"])
        receiver.stop()
        conversation.say("kept")
        expected = conversation.log_ids()
        response = client.delete(
            f"{conversation.base}/api/conversations/{conversation.id}",
            headers={"X-Session-API-Key": conversation.key},
        )
        assert response.status_code == 200
        receiver.start()
        receiver.wait_for(lambda r: statuses(r) == ["idle", "deleting"], timeout=30)
        assert [event["id"] for event in receiver.events()] == expected
        assert receiver.snapshot()[-1].path == "/hooks/conversations"


def test_pending_deliveries_survive_an_ohlocal_restart(home, receiver) -> None:
    settings = webhook_settings(home, receiver)
    receiver.stop()
    with TestClient(create_app(settings, runner_factory=IdleRunner)) as client:
        conversation = Conversation.start(client)
        conversation.say("before restart")
        conversation.post("/run")
        expected = conversation.log_ids()

    receiver.start()
    with TestClient(create_app(settings, runner_factory=IdleRunner)) as client:
        receiver.wait_for(lambda r: len(r.events()) == len(expected), timeout=30)
        receiver.wait_for(lambda r: statuses(r)[-1:] == ["running"])
        ids = [event["id"] for event in receiver.events()]
        assert ids == expected
        assert statuses(receiver)[0] == "running"  # info is current when it is delivered

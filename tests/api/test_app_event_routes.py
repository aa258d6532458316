"""Events through the App Server: search, count and batch get of the singular
`/api/v1/conversation/{id}/events`, messages, unknown conversations and bad input."""

from __future__ import annotations

import uuid

import pytest

from tests.support.app_conversations import start, transcript, wait_execution


@pytest.fixture
def cid(app_client) -> str:
    task = start(app_client, **transcript()[13]["request_body"])
    return str(wait_execution(app_client, task["app_conversation_id"])["id"])


def _events(client, cid: str, **params):
    response = client.get(f"/api/v1/conversation/{cid}/events/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_search_and_count_events_with_filters(app_client, cid):
    everything = _events(app_client, cid)["items"]
    kinds = [e["kind"] for e in everything]
    assert {"SystemPromptEvent", "MessageEvent", "ActionEvent", "ObservationEvent"} <= set(kinds)
    assert app_client.get(f"/api/v1/conversation/{cid}/events/count").json() == len(everything)
    for kind in ("MessageEvent", "ActionEvent", "ObservationEvent"):
        items = _events(app_client, cid, kind__eq=kind)["items"]
        assert {e["kind"] for e in items} == {kind}
        count = app_client.get(
            f"/api/v1/conversation/{cid}/events/count", params={"kind__eq": kind}
        )
        assert count.json() == len(items)
    newest = _events(app_client, cid, sort_order="TIMESTAMP_DESC", limit=3)["items"]
    assert [e["id"] for e in newest] == [e["id"] for e in everything[::-1][:3]]


def test_events_carry_null_fields_as_the_reference(app_client, cid):
    message = _events(app_client, cid, kind__eq="MessageEvent")["items"][0]
    recorded = transcript()[61]["response_body"]["items"][0]
    assert "parent_id" in message and set(message) <= set(recorded) | {"parent_id"}


def test_event_pages_and_timestamp_filters(app_client, cid):
    everything = _events(app_client, cid)["items"]
    first = _events(app_client, cid, limit=2)
    assert first["next_page_id"] == everything[2]["id"]
    second = _events(app_client, cid, limit=2, page_id=first["next_page_id"])
    assert [e["id"] for e in second["items"]] == [e["id"] for e in everything[2:4]]
    middle = everything[3]["timestamp"]
    later = _events(app_client, cid, timestamp__gte=middle)["items"]
    earlier = _events(app_client, cid, timestamp__lt=middle)["items"]
    assert len(later) + len(earlier) == len(everything)
    count = app_client.get(
        f"/api/v1/conversation/{cid}/events/count", params={"timestamp__gte": middle}
    )
    assert count.json() == len(later)


def test_batch_get_events_by_id(app_client, cid):
    everything = _events(app_client, cid)["items"]
    ids = [everything[0]["id"], str(uuid.uuid4()), everything[-1]["id"]]
    found = app_client.get(f"/api/v1/conversation/{cid}/events", params={"id": ids}).json()
    assert [e and e["id"] for e in found] == [ids[0], None, ids[2]]
    bad = app_client.get(f"/api/v1/conversation/{cid}/events", params={"id": "not-a-uuid"})
    assert bad.status_code == 400 and "not-a-uuid" in bad.json()["detail"]


def test_unknown_conversation_has_no_events(app_client):
    unknown = str(uuid.uuid4())
    recorded = transcript()[68]["response_body"]
    assert _events(app_client, unknown) == recorded
    assert app_client.get(f"/api/v1/conversation/{unknown}/events/count").json() == 0
    malformed = app_client.get("/api/v1/conversation/nope/events/search")
    assert malformed.status_code == 400


def test_event_search_bad_input_returns_422(app_client, cid):
    bad_kind = app_client.get(
        f"/api/v1/conversation/{cid}/events/search", params={"kind__eq": "NoSuchEvent"}
    )
    recorded = transcript()[66]["response_body"]["detail"][0]
    item = bad_kind.json()["detail"][0]
    assert bad_kind.status_code == 422
    assert (item["loc"], item["msg"], item["ctx"]) == (
        recorded["loc"],
        recorded["msg"],
        recorded["ctx"],
    )
    zero = app_client.get(f"/api/v1/conversation/{cid}/events/search", params={"limit": 0})
    assert (zero.status_code, zero.json()) == (422, transcript()[67]["response_body"])


def test_post_message_event_through_the_app_server(app_client, cid):
    body = {"role": "user", "content": [{"type": "text", "text": "one more"}], "run": False}
    response = app_client.post(f"/api/v1/conversation/{cid}/events", json=body)
    assert (response.status_code, response.json()) == (200, {"success": True})
    texts = [
        e["llm_message"]["content"][0]["text"]
        for e in _events(app_client, cid, kind__eq="MessageEvent")["items"]
    ]
    assert texts[-1] == "one more"
    unknown = app_client.post(f"/api/v1/conversation/{uuid.uuid4()}/events", json=body)
    assert unknown.status_code == 404

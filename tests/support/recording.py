"""Loading reference recordings and normalising their volatile fields."""

from __future__ import annotations

import json
from typing import Any

from tests.support.paths import RECORDINGS


def load_recording(stem: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((RECORDINGS / f"{stem}.json").read_text())
    return result


def normalise(value: Any, conversation_ids: dict[str, str]) -> Any:
    """Replace volatile values so two servers' bodies compare equal. Normalised fields:
    - conversation ids (dashed and hex), anywhere in strings: replaced by `<cid>`;
    - `input` of 422 detail items and `msg`/`ctx`: the wording of validation messages
      (kept: `type` and `loc`).
    Event ids and timestamps are not normalised: tests insert the recorded events verbatim."""
    if isinstance(value, dict):
        if "loc" in value and "type" in value and "msg" in value:
            return {"type": value["type"], "loc": value["loc"]}
        return {key: normalise(item, conversation_ids) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item, conversation_ids) for item in value]
    if isinstance(value, str):
        for cid, placeholder in conversation_ids.items():
            value = value.replace(cid, placeholder).replace(cid.replace("-", ""), placeholder)
    return value


def drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value

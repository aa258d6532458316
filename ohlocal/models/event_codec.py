"""Event JSON: one encoder and decoder for the event union, and the null-omitting form that
search results and websocket frames use (pydantic's `exclude_none`)."""

from __future__ import annotations

from typing import Any

import msgspec

from ohlocal.models.events import Event

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def _without_nulls(value: Any) -> Any:
    """Struct fields whose value is None are dropped, at every depth. Free-form JSON objects
    (`dict` fields such as a state update's `value`) keep their nulls, as pydantic does."""
    if isinstance(value, msgspec.Struct):
        out: dict[str, Any] = {}
        for name in value.__struct_fields__:
            field_value = getattr(value, name)
            if field_value is not None:
                out[name] = _without_nulls(field_value)
        config = value.__struct_config__
        if config.tag_field is not None:
            # NOTE: the reference emits the discriminator after the fields (`kind` last).
            out[config.tag_field] = config.tag
        return out
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items()}
    return value


def encode_event(event: Event, *, omit_none: bool) -> bytes:
    """The event's JSON; with `omit_none`, as `events/search` and websocket frames carry it."""
    if omit_none:
        return _encoder.encode(_without_nulls(event))
    return _encoder.encode(event)


def to_builtins(value: msgspec.Struct, *, omit_none: bool) -> Any:
    """A Struct as plain JSON values, for embedding (e.g. a `full_state` snapshot's value)."""
    if omit_none:
        return _without_nulls(value)
    return msgspec.to_builtins(value)


def decode_event(data: bytes | str) -> Event:
    """Decode one event; raises msgspec.ValidationError on unknown kinds or fields."""
    return _decoder.decode(data)

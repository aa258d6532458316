"""Conversation state as a fold over the event log: the creation request gives the start, and
each `ConversationStateUpdateEvent` sets one field (`full_state` sets them all)."""

from __future__ import annotations

import logging
from typing import Any, get_type_hints

import msgspec

from ohlocal.models.conversation import (
    ConversationRecord,
    ConversationState,
    SecretRegistry,
    Workspace,
)
from ohlocal.models.events import ConversationStateUpdateEvent, Event

logger = logging.getLogger(__name__)

FULL_STATE_KEY = "full_state"
# Fields an update event may not set: identity, and what lives outside the log.
_FIXED = frozenset({"id", "workspace", "persistence_dir", "secret_registry"})
_FIELD_TYPES: dict[str, Any] = get_type_hints(ConversationState)


def persistence_dir(conversation_id: str) -> str:
    # NOTE: the reference reports a relative path made from the hex id (recordings).
    return f"workspace/conversations/{conversation_id.replace('-', '')}"


def initial_state(record: ConversationRecord) -> ConversationState:
    """The state right after creation, before any event."""
    request = record.request
    return ConversationState(
        id=record.id,
        agent=request.agent,
        workspace=Workspace(working_dir=request.workspace.working_dir or "", kind="LocalWorkspace"),
        persistence_dir=persistence_dir(record.id),
        max_iterations=request.max_iterations,
        stuck_detection=request.stuck_detection,
        confirmation_policy=request.confirmation_policy,
        security_analyzer=request.security_analyzer,
        tags=record.tags,
        hook_config=request.hook_config,
    )


def _set_field(state: ConversationState, key: str, value: Any) -> None:
    try:
        converted = msgspec.convert(value, _FIELD_TYPES[key])
    except msgspec.ValidationError as exc:
        logger.warning("state update ignored key=%s reason=%s", key, exc)
        return
    setattr(state, key, converted)


def apply_event(state: ConversationState, event: Event) -> None:
    """Fold one event into `state` in place."""
    if not isinstance(event, ConversationStateUpdateEvent):
        state.leaf_event_id = event.id
        state.head_is_empty = False
        return
    if event.key == FULL_STATE_KEY and isinstance(event.value, dict):
        for key, value in event.value.items():
            if key in _FIELD_TYPES and key not in _FIXED:
                _set_field(state, key, value)
        return
    if event.key in _FIELD_TYPES and event.key not in _FIXED:
        _set_field(state, event.key, event.value)


def fold(record: ConversationRecord, events: list[Event]) -> ConversationState:
    """The state after `events`, in log order."""
    state = initial_state(record)
    for event in events:
        apply_event(state, event)
    return state


def secret_registry(sources: dict[str, dict[str, Any]]) -> SecretRegistry:
    """The registry as responses show it: every secret's value is null."""
    shown: dict[str, dict[str, Any]] = {}
    for name, source in sources.items():
        view = {key: value for key, value in source.items() if key not in ("value", "headers")}
        view.setdefault("description", None)
        if source.get("kind") == "LookupSecret":
            view["headers"] = {header: "<hidden>" for header in source.get("headers", {})}
        else:
            view["value"] = None
        view["kind"] = view.pop("kind", "StaticSecret")
        shown[name] = view
    return SecretRegistry(secret_sources=shown)

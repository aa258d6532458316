"""Comparing a replay with its recording: status codes and response shapes per step, and per
conversation the event sequence and the values the recordings README calls stable."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ohlocal.services.agent_runner import RECOVERED_ERROR
from ohlocal.services.bash_service import BASH_RECOVERED

if TYPE_CHECKING:
    from ohlocal.replay.steps import ReplayResult

# Every volatile value the comparison normalises, and how. Nothing else is normalised.
# - `ConversationStateUpdateEvent`s with key `stats`: dropped from event lists and `items`
#   (their number depends on timing; README "What varies between runs").
# - `stats` and `metrics` values anywhere: replaced by "<stats>" (token and latency figures).
# - `observation.metadata` of terminal observations: "<metadata>" (host name, pid, paths).
# - `paginate` steps: their pages are merged into one item list (page counts follow the
#   number of `stats` events).
# Ids, timestamps and page ids are never compared as values: shapes compare JSON types only.
STATS_VALUE = "<stats>"
METADATA_VALUE = "<metadata>"
VOLATILE_SUBTREES = {"stats": STATS_VALUE, "metrics": STATS_VALUE}
# Recovery events: what a restart after a crash adds to a log, and nothing else does. Only
# one kind exists: the AgentErrorEvent that closes an action the crash left without a result
# (its `error` is RECOVERED_ERROR). In a crash replay it stands where an uninterrupted run has
# that action's ObservationEvent, and is compared as one.
RECOVERY_DIGEST = ("AgentErrorEvent", "recovered")
# Steps where ohlocal differs from the reference on purpose (docs/compatibility.md): their
# difference is reported as a note naming the reason, not as a failure. Keyed by the
# recording's scenario name and the step index. In crash replays, an exchange whose reply
# carries a bash command that the crash cut off (BASH_RECOVERED) is a note too.
DELIBERATE: dict[tuple[str, int], str] = {
    ("secrets_update", 3): "GET right after POST /secrets already lists the new secrets; the "
    "reference showed the previous list until its next state save",
}


def is_stats_update(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("kind") == "ConversationStateUpdateEvent"
        and value.get("key") == "stats"
    )


def normalise(value: Any) -> Any:
    """The value with every volatile field listed above normalised."""
    if isinstance(value, list):
        return [normalise(v) for v in value if not is_stats_update(v)]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in VOLATILE_SUBTREES and item is not None:
            out[key] = VOLATILE_SUBTREES[key]
        elif key == "metadata" and value.get("kind") == "TerminalObservation":
            out[key] = METADATA_VALUE
        else:
            out[key] = normalise(item)
    return out


# Keys whose values the recordings fix (event and output kinds, exit codes, git change
# statuses, success flags): shapes keep their values rather than their JSON types.
STABLE_VALUE_KEYS = frozenset({"kind", "exit_code", "status", "success"})


def shape(value: Any) -> Any:
    """Keys at every level and JSON types (values for STABLE_VALUE_KEYS); a list is the set
    of its items' shapes."""
    if isinstance(value, dict):
        return {
            key: item if key in STABLE_VALUE_KEYS and _scalar(item) else shape(item)
            for key, item in sorted(value.items())
        }
    if isinstance(value, list):
        shapes = {json.dumps(shape(item), sort_keys=True) for item in value}
        return sorted(shapes)
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def event_digest(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Per event (stats updates left out): kind, plus what the README calls stable for it."""
    digest: list[tuple[Any, ...]] = []
    for event in normalise(events):
        kind = event["kind"]
        if kind == "ActionEvent":
            digest.append((kind, (event.get("action") or {}).get("kind"), event["tool_name"]))
        elif kind == "ObservationEvent":
            seen = event["observation"]
            digest.append((kind, seen["kind"], seen.get("exit_code"), bool(seen.get("is_error"))))
        elif kind == "ConversationStateUpdateEvent":
            value = event["value"] if event["key"] == "execution_status" else None
            digest.append((kind, event["key"], value))
        elif kind == "AgentErrorEvent" and event.get("error") == RECOVERED_ERROR:
            digest.append(RECOVERY_DIGEST)
        elif kind == "ConversationErrorEvent":
            digest.append((kind, event.get("code")))
        elif kind == "MessageEvent":
            digest.append((kind, event["source"]))
        else:
            digest.append((kind,))
    return digest


def _steps(transcript: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Exchanges per step; the pages of a paginated step merged into one exchange."""
    by_step: dict[int, list[dict[str, Any]]] = {}
    for entry in transcript:
        by_step.setdefault(entry["step"], []).append(entry)
    for step, entries in by_step.items():
        bodies = [e["response_body"] for e in entries]
        if len(entries) > 1 and all(isinstance(b, dict) and "items" in b for b in bodies):
            merged = dict(entries[0])
            items = [item for body in bodies for item in body["items"]]
            merged["response_body"] = {**bodies[-1], "items": items}
            by_step[step] = [merged]
    return by_step


@dataclass
class Comparison:
    """Differences, one line each, and how much matched."""

    problems: list[str] = field(default_factory=list)
    # Differences that follow a recovered action (crash replays): expected, reported only.
    notes: list[str] = field(default_factory=list)
    exchanges_matched: int = 0
    exchanges_total: int = 0
    events_matched: int = 0
    events_total: int = 0


def compare_exchanges(
    recorded: list[dict[str, Any]],
    replayed: list[dict[str, Any]],
    into: Comparison,
    scenario: str = "",
) -> None:
    expected, actual = _steps(recorded), _steps(replayed)
    for step in sorted(set(expected) | set(actual)):
        want, got = expected.get(step, []), actual.get(step, [])
        into.exchanges_total += len(want)
        if len(want) != len(got):
            into.problems.append(f"step {step}: {len(got)} exchanges, recorded {len(want)}")
            continue
        for w, g in zip(want, got, strict=True):
            problem = _exchange_problem(w, g)
            if problem is None:
                into.exchanges_matched += 1
            else:
                where = f"step {step} ({w['op']} {w['method']} {w['path']})"
                reason = DELIBERATE.get((scenario, step))
                if reason is None and BASH_RECOVERED in json.dumps(g.get("response_body")):
                    reason = "differs after a bash command that a crash cut off"
                if reason is None:
                    into.problems.append(f"{where}: {problem}")
                else:
                    into.notes.append(f"{where}: {reason}")


def _exchange_problem(want: dict[str, Any], got: dict[str, Any]) -> str | None:
    if want["status"] != got["status"]:
        return f"status {got['status']}, recorded {want['status']}"
    w_shape = shape(normalise(want["response_body"]))
    g_shape = shape(normalise(got["response_body"]))
    if w_shape != g_shape:
        return f"response shape differs: {_shape_diff(w_shape, g_shape)}"
    return None


def _shape_diff(want: Any, got: Any, path: str = "$") -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        if missing or extra:
            return f"{path}: missing {missing}, extra {extra}"
        for key in want:
            if want[key] != got[key]:
                return _shape_diff(want[key], got[key], f"{path}.{key}")
    if isinstance(want, list) and isinstance(got, list):
        lost = [s for s in want if s not in got]
        new = [s for s in got if s not in want]
        return f"{path}[]: recorded item shapes {lost[:1]}, replayed {new[:1]}"
    return f"{path}: recorded {json.dumps(want)[:200]}, replayed {json.dumps(got)[:200]}"


def compare_conversations(
    recording: dict[str, Any], result: ReplayResult, into: Comparison
) -> None:
    for var, recorded in recording["conversations"].items():
        replayed = result.conversations.get(var)
        want = event_digest(recorded["events"])
        into.events_total += len(want)
        if replayed is None:
            into.problems.append(f"conversation {var}: not replayed")
            continue
        got = event_digest(replayed["events"])
        same = [_same_event(w, g) for w, g in zip(want, got, strict=False)]
        into.events_matched += sum(same)
        # After a recovered action the agent saw an error instead of the output, and later
        # client steps met it at another point of its run: what follows may differ (a note).
        recovered = got.index(RECOVERY_DIGEST) if RECOVERY_DIGEST in got else len(got)
        after_recovery = recovered < len(got) and all(same[: recovered + 1])
        differences = into.notes if after_recovery else into.problems
        prefix = "differs after a recovered action: " if after_recovery else ""
        if len(want) != len(got) or not all(same):
            diff = _sequence_diff(want, got)
            differences.append(f"{prefix}conversation {var}: events differ:\n{diff}")
        status = (recorded["info"] or {}).get("execution_status")
        if (replayed["info"] or {}).get("execution_status") != status:
            final = (replayed["info"] or {}).get("execution_status")
            differences.append(
                f"{prefix}conversation {var}: final status {final}, recorded {status}"
            )


def _same_event(want: tuple[Any, ...], got: tuple[Any, ...]) -> bool:
    return want == got or (got == RECOVERY_DIGEST and want[0] == "ObservationEvent")


def _sequence_diff(want: list[tuple[Any, ...]], got: list[tuple[Any, ...]]) -> str:
    lines = []
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else None
        g = got[i] if i < len(got) else None
        mark = "  " if w is not None and g is not None and _same_event(w, g) else "!!"
        lines.append(f"{mark} {i:3d} recorded={w} replayed={g}")
    return "\n".join(lines)


def compare(recording: dict[str, Any], result: ReplayResult) -> Comparison:
    """Every difference between the recording and the replay, and the counts that matched."""
    comparison = Comparison()
    scenario = str((recording.get("scenario") or {}).get("name", ""))
    compare_exchanges(recording["transcript"], result.transcript, comparison, scenario)
    compare_conversations(recording, result, comparison)
    return comparison

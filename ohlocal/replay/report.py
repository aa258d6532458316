"""The `ohlocal replay` report: one row per recording, a total line, and the JSON form."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from ohlocal.replay.harness import RecordingResult

NAME_WIDTH = 30
DIFFERENCE_WIDTH = 300


def header() -> str:
    return f"{'RECORDING':<{NAME_WIDTH}} {'EVENTS':>9} {'EXCHANGES':>9} {'CRASHES':>7}  RESULT"


def row(result: RecordingResult) -> str:
    """One line, plus the first difference on the next line when the recording failed."""
    events = f"{result.events_matched}/{result.events_total}"
    exchanges = f"{result.exchanges_matched}/{result.exchanges_total}"
    line = (
        f"{result.name:<{NAME_WIDTH}} {events:>9} {exchanges:>9} {result.crashes:>7}  "
        f"{'PASS' if result.passed else 'FAIL'} ({result.seconds:.1f} s)"
    )
    if result.notes:
        note = result.notes[0].splitlines()[0][:DIFFERENCE_WIDTH]
        line += f"\n    note: {note}"
    if result.passed or result.first_difference is None:
        return line
    first = result.first_difference.splitlines()[0][:DIFFERENCE_WIDTH]
    return f"{line}\n    first difference: {first}"


def total(results: list[RecordingResult]) -> str:
    passed = sum(r.passed for r in results)
    events = sum(r.events_matched for r in results), sum(r.events_total for r in results)
    exchanges = sum(r.exchanges_matched for r in results), sum(r.exchanges_total for r in results)
    return (
        f"TOTAL {len(results)} recordings: {passed} passed, {len(results) - passed} failed; "
        f"events {events[0]}/{events[1]}, exchanges {exchanges[0]}/{exchanges[1]}, "
        f"crashes {sum(r.crashes for r in results)}"
    )


def write_json(path: Path, results: list[RecordingResult]) -> None:
    body = {
        "passed": all(r.passed for r in results),
        "recordings": [r.to_json() for r in results],
    }
    path.write_text(json.dumps(body, indent=2) + "\n")

from __future__ import annotations

import json

import pytest

from ohlocal.errors import ToolArgumentError, UnknownTool
from ohlocal.tools import FileEditorAction, TerminalAction, decode_arguments, parse_action
from tests.support.paths import RECORDINGS

RECORDING = RECORDINGS / "unknown_tool_and_bad_args.json"
AGENT_TOOLS = ["terminal", "file_editor", "finish", "think"]


def test_parse_action_terminal_pops_risk_and_summary():
    parsed = parse_action("terminal", {"command": "ls", "summary": "s", "security_risk": "LOW"})
    assert parsed.action == TerminalAction(command="ls")
    assert (parsed.security_risk, parsed.summary) == ("LOW", "s")


def test_parse_action_without_summary_uses_reference_fallback():
    parsed = parse_action("finish", {"message": "bye"})
    assert parsed.summary == 'finish: {"message": "bye"}'
    assert parsed.security_risk is None


def test_parse_action_coerces_like_pydantic_lax_mode():
    parsed = parse_action(
        "file_editor", {"command": "view", "path": "/x", "view_range": ["1", 2.0]}
    )
    assert parsed.action == FileEditorAction(command="view", path="/x", view_range=[1, 2])
    assert parse_action("terminal", {"command": "x", "timeout": 5}).action.timeout == 5.0


def test_parse_action_unknown_tool_lists_available():
    with pytest.raises(UnknownTool) as caught:
        parse_action("nonexistent_tool", {"x": 1}, AGENT_TOOLS)
    assert caught.value.message == (
        "Tool 'nonexistent_tool' not found. Available: ['terminal', 'file_editor', 'finish', "
        "'think']"
    )


def test_parse_action_tool_not_offered_is_unknown():
    with pytest.raises(UnknownTool):
        parse_action("task_tracker", {}, AGENT_TOOLS)


def test_parse_action_wrong_type_and_extra_field_collects_all_errors():
    with pytest.raises(ToolArgumentError) as caught:
        parse_action("terminal", {"command": 3, "bogus": True})
    message = caught.value.message
    assert message.startswith("Error validating tool 'terminal': 2 validation errors for ")
    assert "command\n  Input should be a valid string [type=string_type, input_value=3" in message
    assert "bogus\n  Extra inputs are not permitted [type=extra_forbidden" in message
    assert message.endswith("Parameters provided: ['command', 'bogus']")


def test_parse_action_negative_timeout_is_refused():
    with pytest.raises(ToolArgumentError, match="greater_than_equal"):
        parse_action("terminal", {"command": "x", "timeout": -1})


def test_decode_arguments_malformed_json_message():
    with pytest.raises(ToolArgumentError) as caught:
        decode_arguments("terminal", '{"command": "echo hi", "summary": ')
    assert caught.value.message == (
        "Error validating tool 'terminal': Expecting value: line 1 column 35 (char 34). "
        "Arguments: unparseable JSON"
    )


def test_parse_errors_match_recording_texts():
    recording = json.loads(RECORDING.read_text())
    expected = [
        event["error"]
        for event in recording["conversations"]["cid"]["events"]
        if event["kind"] == "AgentErrorEvent"
    ]
    got = []
    for turn in recording["llm_script"]["turns"][:4]:
        call = turn["tool_calls"][0]
        try:
            raw = call.get("arguments_raw")
            arguments = decode_arguments(call["name"], raw) if raw else call["arguments"]
            parse_action(call["name"], arguments, AGENT_TOOLS)
        except (UnknownTool, ToolArgumentError) as exc:
            got.append(exc.message)
    assert got == expected

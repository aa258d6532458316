from __future__ import annotations

import json

import pytest

from ohlocal.errors import UnknownTool
from ohlocal.tools import tool_definitions, tool_specs
from tests.support.paths import RECORDINGS

RECORDING = RECORDINGS / "terminal_file_editor_finish.json"


def _shape(schema):
    """A parameter schema without its prose."""
    if isinstance(schema, dict):
        return {k: _shape(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def test_tool_specs_match_recorded_parameter_schemas():
    recorded = json.loads(RECORDING.read_text())["llm_tools"]
    names = [tool["function"]["name"] for tool in recorded]
    ours = tool_specs(names)
    assert [tool["function"]["name"] for tool in ours] == names
    for mine, theirs in zip(ours, recorded, strict=True):
        assert _shape(mine["function"]["parameters"]) == _shape(theirs["function"]["parameters"])
        assert list(mine["function"]["parameters"]["properties"]) == list(
            theirs["function"]["parameters"]["properties"]
        )


def test_tool_specs_use_our_own_descriptions():
    recorded = json.loads(RECORDING.read_text())["llm_tools"]
    ours = tool_specs(["terminal", "file_editor", "finish", "think"])
    for mine, theirs in zip(ours, recorded, strict=True):
        for name, prop in mine["function"]["parameters"]["properties"].items():
            assert (
                prop["description"]
                != theirs["function"]["parameters"]["properties"][name]["description"]
            )


def test_tool_definitions_match_recorded_system_prompt_tools():
    events = json.loads(RECORDING.read_text())["conversations"]["cid"]["events"]
    recorded = next(e for e in events if e["kind"] == "SystemPromptEvent")["tools"]
    ours = tool_definitions(["terminal", "file_editor", "finish", "think"])
    for mine, theirs in zip(ours, recorded, strict=True):
        assert {k: v for k, v in mine.items() if k != "description"} == {
            k: v for k, v in theirs.items() if k != "description"
        }


def test_tool_specs_unknown_name_raises():
    with pytest.raises(UnknownTool):
        tool_specs(["browser"])


def test_task_tracker_spec_shape():
    (spec,) = tool_specs(["task_tracker"])
    params = spec["function"]["parameters"]
    assert params["properties"]["command"]["enum"] == ["view", "plan"]
    assert params["properties"]["task_list"]["items"]["required"] == ["title"]

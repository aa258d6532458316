from __future__ import annotations

import pytest

from ohlocal.models.content import ImageContent, text_of
from ohlocal.tools import FileEditorAction, FileEditorObservation

pytestmark = pytest.mark.anyio


async def edit(host, **fields) -> FileEditorObservation:
    observation = await host.execute(FileEditorAction(**fields))
    assert isinstance(observation, FileEditorObservation)
    return observation


def text(observation) -> str:
    return text_of(list(observation.content))


async def test_create_view_and_edit_round_trip(host, runtime):
    path = f"{runtime.working_dir}/notes.md"
    created = await edit(host, command="create", path=path, file_text="a\nb\nc\n")
    assert created.prev_exist is False and created.new_content == "a\nb\nc\n"
    assert (runtime.layout.workspace / "notes.md").read_text() == "a\nb\nc\n"

    viewed = await edit(host, command="view", path=path, view_range=[2, -1])
    assert (
        text(viewed) == f"Here's the result of running `cat -n` on {path}:\n     2\tb\n     3\tc\n"
    )

    replaced = await edit(host, command="str_replace", path=path, old_str="b", new_str="B")
    assert replaced.old_content == "a\nb\nc\n" and replaced.new_content == "a\nB\nc\n"

    inserted = await edit(host, command="insert", path=path, insert_line=0, new_str="top")
    assert inserted.new_content == "top\na\nB\nc\n"

    undone = await edit(host, command="undo_edit", path=path)
    assert undone.new_content == "a\nB\nc\n"
    assert (runtime.layout.workspace / "notes.md").read_text() == "a\nB\nc\n"


async def test_errors_are_error_observations(host, runtime):
    root = runtime.working_dir
    (runtime.layout.workspace / "a.txt").write_text("x\nx\n")
    cases = [
        (
            dict(command="view", path="rel.txt"),
            "Invalid `path` parameter: rel.txt. The path should be an absolute path.",
        ),
        (
            dict(command="view", path=f"{root}/nope"),
            f"Invalid `path` parameter: {root}/nope. The path {root}/nope does not exist. "
            "Please provide a valid path.",
        ),
        (
            dict(command="create", path=f"{root}/a.txt", file_text="y"),
            f"Invalid `path` parameter: {root}/a.txt. File already exists at: {root}/a.txt. "
            "Cannot overwrite files using command `create`.",
        ),
        (
            dict(command="str_replace", path=f"{root}/a.txt", old_str="x", new_str="y"),
            "No replacement was performed. Multiple occurrences of old_str `x` in lines [1, 2]. "
            "Please ensure it is unique.",
        ),
        (
            dict(command="insert", path=f"{root}/a.txt", insert_line=9, new_str="y"),
            "Invalid `insert_line` parameter: 9. It should be within the range of allowed "
            "values: [0, 2]",
        ),
        (
            dict(command="undo_edit", path=f"{root}/a.txt"),
            f"No edit history found for {root}/a.txt.",
        ),
        (
            dict(command="create", path=f"{root}/b.txt"),
            "Parameter `file_text` is required for command: create.",
        ),
        (
            dict(command="str_replace", path=root, old_str="x"),
            f"Invalid `path` parameter: {root}. The path {root} is a directory and only the "
            "`view` command can be used on directories.",
        ),
    ]
    for fields, expected in cases:
        observation = await edit(host, **fields)
        assert observation.is_error, fields
        assert text(observation) == expected
        assert observation.path is None and observation.prev_exist is True


async def test_view_directory_two_levels_and_hidden_count(host, runtime):
    workspace = runtime.layout.workspace
    (workspace / ".git").mkdir()
    (workspace / "pkg" / "deep").mkdir(parents=True)
    (workspace / "pkg" / "deep" / "x.py").write_text("")
    (workspace / "pkg" / "mod.py").write_text("")
    (workspace / "top.txt").write_text("")
    root = runtime.working_dir
    observation = await edit(host, command="view", path=root)
    assert text(observation) == (
        f"Here's the files and directories up to 2 levels deep in {root}, excluding hidden "
        f"items:\n{root}/\n{root}/pkg/\n{root}/pkg/deep/\n{root}/pkg/mod.py\n{root}/top.txt\n\n"
        f"1 hidden files/directories in this directory are excluded. You can use "
        f"'ls -la {root}' to see them."
    )


async def test_view_range_past_end_warns(host, runtime):
    (runtime.layout.workspace / "f.txt").write_text("1\n2\n3\n")
    observation = await edit(
        host, command="view", path=f"{runtime.working_dir}/f.txt", view_range=[2, 9]
    )
    assert text(observation).startswith(
        "NOTE: We only show up to 3 since there're only 3 lines in this file.\n"
    )


async def test_binary_and_image_files(host, runtime):
    (runtime.layout.workspace / "blob.bin").write_bytes(b"\x00\x01\x02")
    (runtime.layout.workspace / "pic.png").write_bytes(b"\x89PNG")
    blob = await edit(host, command="view", path=f"{runtime.working_dir}/blob.bin")
    assert blob.is_error and "File appears to be binary" in text(blob)
    pic = await edit(host, command="view", path=f"{runtime.working_dir}/pic.png")
    assert isinstance(pic.content[1], ImageContent)
    assert pic.content[1].image_urls[0].startswith("data:image/png;base64,")


async def test_path_outside_workspace_is_refused(host):
    observation = await edit(host, command="view", path="/etc/hostname")
    assert observation.is_error and "Only files under the workspace" in text(observation)

from __future__ import annotations

import uuid

import pytest

from ohlocal.errors import ToolExecutionError
from ohlocal.models.content import text_of
from ohlocal.tools import TerminalAction, TerminalObservation, ToolHost
from ohlocal.tools.terminal import CLIPPED_NOTICE, MAX_OUTPUT, bash_quote, clip, mask

pytestmark = pytest.mark.anyio


async def run(host: ToolHost, command: str, **fields) -> TerminalObservation:
    observation = await host.execute(TerminalAction(command=command, **fields))
    assert isinstance(observation, TerminalObservation)
    return observation


def text(observation: TerminalObservation) -> str:
    return text_of(list(observation.content))


async def test_terminal_echo_returns_output_and_metadata(host, runtime):
    observation = await run(host, "echo hello")
    assert text(observation) == "hello"
    assert observation.exit_code == 0 and observation.is_error is False
    assert observation.metadata.suffix == "\n[The command completed with exit code 0.]"
    assert observation.metadata.working_dir == runtime.working_dir
    assert observation.metadata.pid == -1 and observation.metadata.prefix == ""
    assert observation.full_output_save_dir.startswith("workspace/conversations/")


async def test_terminal_failing_command_is_not_an_error(host):
    observation = await run(host, "(echo 'partial output'; echo 'an error line' >&2; exit 3)")
    assert text(observation) == "partial output\nan error line"
    assert observation.exit_code == 3 and observation.is_error is False
    missing = await run(host, "no_such_command_xyz --flag")
    assert missing.exit_code == 127
    assert text(missing) == "bash: no_such_command_xyz: command not found"


async def test_terminal_cd_and_export_persist(host, runtime):
    await run(host, "mkdir -p sub && cd sub && export GREETING=hi")
    observation = await run(host, 'pwd && echo "$GREETING"')
    assert text(observation) == f"{runtime.working_dir}/sub\nhi"
    assert observation.metadata.working_dir == f"{runtime.working_dir}/sub"


async def test_terminal_multiline_and_quotes_run_as_one_command(host):
    observation = await run(host, "cat <<'EOF'\nit's \\ \"quoted\"\nEOF\necho done")
    assert text(observation) == 'it\'s \\ "quoted"\ndone'


async def test_terminal_silent_command_soft_timeout_then_more_output(host):
    observation = await run(host, "sleep 1.5; echo late")
    assert observation.exit_code == -1
    assert observation.metadata.suffix.startswith("\n[The command has no new output after 1 ")
    follow = await run(host, "")
    assert text(follow) == "late" and follow.exit_code == 0


async def test_terminal_hard_timeout_then_ctrl_c(host):
    observation = await run(host, "echo start; sleep 30", timeout=0.5)
    assert text(observation) == "start" and observation.exit_code == -1 and observation.timeout
    assert observation.metadata.suffix.startswith("\n[The command timed out after 0.5 seconds.")
    refused = await run(host, "echo other")
    assert refused.is_error and 'Your command "echo other" is NOT executed' in (
        refused.metadata.suffix
    )
    interrupted = await run(host, "C-c", is_input=True)
    assert interrupted.exit_code == 130
    assert interrupted.metadata.suffix.endswith("CTRL+C was sent.]")
    assert text(await run(host, "echo after")) == "after"


async def test_terminal_is_input_feeds_running_process(host):
    prompt = await run(host, "read -p 'name: ' NAME && echo \"hi $NAME\"")
    assert prompt.exit_code == -1
    answer = await run(host, "John", is_input=True)
    assert "hi John" in text(answer) and answer.exit_code == 0


async def test_terminal_input_without_running_command_is_error(host):
    observation = await run(host, "C-c", is_input=True)
    assert observation.is_error and text(observation) == (
        "No previous running command to interact with."
    )
    empty = await run(host, "")
    assert empty.is_error and text(empty) == "No previous running command to retrieve logs from."


async def test_terminal_reset_clears_state(host):
    await run(host, "export KEEP=1")
    reset = await run(host, "", reset=True)
    assert reset.command == "[RESET]" and reset.exit_code == 0
    after = await run(host, 'echo "[$KEEP]"', reset=True)
    assert after.command == '[RESET] echo "[$KEEP]"'
    assert text(after).endswith("\n\n[]")
    with pytest.raises(ToolExecutionError):
        await run(host, "x", reset=True, is_input=True)


async def test_terminal_large_output_is_clipped(host):
    observation = await run(host, "seq 1 20000")
    body = text(observation)
    assert len(body) == MAX_OUTPUT and CLIPPED_NOTICE in body
    assert body.startswith("1\n2\n") and body.endswith("19999\n20000")


async def test_terminal_secrets_exported_and_masked(runtime):
    secrets = {"API_TOKEN": "tok-123456789abcd", "UNUSED": "never-shown"}
    host = ToolHost(str(uuid.uuid4()), runtime, secrets)
    try:
        observation = await run(host, 'echo "token=$API_TOKEN" && echo "len=${#API_TOKEN}"')
        assert text(observation) == "token=<secret-hidden>\nlen=17"
        unmentioned = await run(host, "printenv | grep -c never-shown")
        assert text(unmentioned) == "0"
        host.update_secrets({"DB_PASSWORD": "hunter2-db"})
        check = await run(host, "test \"$DB_PASSWORD\" = 'hunter2-db' && echo db-ok")
        assert text(check) == "db-ok"
        assert check.command == "test \"$DB_PASSWORD\" = '<secret-hidden>' && echo db-ok"
    finally:
        await host.close()


async def test_terminal_exit_restarts_session(host):
    await run(host, "exit 4")
    assert text(await run(host, "echo back")) == "back"


def test_clip_keeps_head_and_tail():
    clipped = clip("a" * 50 + "b" * 50, 60, "<N>")
    assert clipped == "a" * 29 + "<N>" + "b" * 28


def test_mask_and_quote():
    assert mask("x secret y", {"S": "secret", "E": ""}) == "x <secret-hidden> y"
    assert bash_quote("a'b\\c\nd") == "$'a\\'b\\\\c\\x0ad'"


async def test_shim_survives_bad_terminal_requests(runtime):
    from ohlocal.errors import BackendError

    async with runtime.shim.connect() as conn:
        await conn.send({"op": "terminal", "session": "s", "action": "start"})
        assert (await conn.receive())["state"] == "started"
    for request in ({"op": "terminal"}, {"op": "terminal", "session": "s", "action": "bogus"}):
        async with runtime.shim.connect() as conn:
            await conn.send(request)
            with pytest.raises(BackendError):
                await conn.receive()
    assert await runtime.shim.ping() > 0

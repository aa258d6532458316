"""A bash command cut off by a server stop gets a final BashOutput at the next start."""

from __future__ import annotations

import time

from litestar.testing import TestClient

from ohlocal.app import create_app
from ohlocal.services.bash_service import BASH_RECOVERED, CRASH_EXIT_CODE


def _outputs(client, prefix: str, headers: dict[str, str], command_id: str) -> list[dict]:
    page = client.get(
        f"{prefix}/api/bash/bash_events/search",
        params={"kind__eq": "BashOutput", "command_id__eq": command_id},
        headers=headers,
    ).json()
    return page["items"]


def test_command_running_at_a_restart_is_closed_with_an_exit_code(settings) -> None:
    with TestClient(create_app(settings)) as client:
        info = client.post("/api/v1/sandboxes").json()
        prefix, headers = f"/agent/{info['id']}", {"X-Session-API-Key": info["session_api_key"]}
        started = client.post(
            f"{prefix}/api/bash/start_bash_command",
            json={"command": "echo begun; sleep 30"},
            headers=headers,
        ).json()
        deadline = time.monotonic() + 10
        while not _outputs(client, prefix, headers, started["id"]) and time.monotonic() < deadline:
            time.sleep(0.05)  # output arrives within the flush interval

    with TestClient(create_app(settings)) as client:
        outputs = _outputs(client, prefix, headers, started["id"])
        final = outputs[-1]
        assert final["exit_code"] == CRASH_EXIT_CODE
        assert final["stderr"] == BASH_RECOVERED
        assert final["order"] == len(outputs) - 1
        assert [o for o in outputs if o["exit_code"] is not None] == [final]

    with TestClient(create_app(settings)) as client:  # closed once, not again
        assert len(_outputs(client, prefix, headers, started["id"])) == len(outputs)

"""Re-issues a recording's client `steps` against an Agent Server, with the recording's
substitutions, and captures the transcript and final conversations the way the recorder did."""

from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

POLL_INTERVAL = 0.2
DEFAULT_WAIT_TIMEOUT = 120.0
EVENT_PAGE_LIMIT = 100
_VAR = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass
class ReplayTarget:
    """Where and how to replay: an httpx client, the Agent Server path prefix, the workspace
    seen inside the sandbox, the `llm` object for `create` steps and the count of LLM turns
    served so far (for `wait_llm`)."""

    client: httpx.Client
    agent_prefix: str
    workspace: str
    llm: dict[str, Any]
    llm_served: Callable[[], int]
    headers: dict[str, str] = field(default_factory=dict)
    # Called after each step with its index and the runner (crash points use it).
    after_step: Callable[[int, StepRunner], None] | None = None


@dataclass
class ReplayResult:
    transcript: list[dict[str, Any]] = field(default_factory=list)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)


class StepError(Exception):
    """A step could not be carried out (a wait timed out, a saved path is missing)."""


class StepRunner:
    def __init__(self, recording: dict[str, Any], target: ReplayTarget) -> None:
        self.recording = recording
        self.target = target
        self.vars: dict[str, Any] = {}
        self.result = ReplayResult()
        self._last_conv: str | None = None
        self._baseline: set[str] = set()

    def run(self) -> ReplayResult:
        steps = self.recording["steps"]
        for index, step in enumerate(steps):
            upcoming = steps[index + 1] if index + 1 < len(steps) else None
            if upcoming and upcoming["op"] == "wait":
                self._baseline = self._status_event_ids(self._conv_var(upcoming, peek=True))
            getattr(self, "_op_" + step["op"])(index, step)
            if self.target.after_step is not None:
                self.target.after_step(index, self)
        for var in list(self.vars.get("__convs__", [])):
            if var not in self.result.conversations:
                self.result.conversations[var] = self._capture(var)
        return self.result

    # ----- helpers -----

    def _conv_var(self, step: dict[str, Any], peek: bool = False) -> str | None:
        var = step.get("conv") or self._last_conv
        if step["op"] == "create" and peek:
            return None
        return var

    def _cid(self, step: dict[str, Any]) -> str:
        var = self._conv_var(step)
        if var is None or var not in self.vars:
            raise StepError(f"step {step} names no created conversation")
        return str(self.vars[var])

    def subst(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = _VAR.fullmatch(value)
            if whole:
                return self.vars[whole.group(1)]
            value = _VAR.sub(lambda m: str(self.vars[m.group(1)]), value)
            return value.replace("WORKDIR", self.target.workspace)
        if isinstance(value, list):
            return [self.subst(v) for v in value]
        if isinstance(value, dict):
            return {k: self.subst(v) for k, v in value.items()}
        return value

    def _request(
        self,
        index: int,
        step: dict[str, Any],
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        record: bool = True,
    ) -> dict[str, Any]:
        params = {k: _query_value(v) for k, v in (query or {}).items()}
        response = self.target.client.request(
            method,
            self.target.agent_prefix + path,
            params=params,
            content=json.dumps(body).encode() if body is not None else None,
            headers={**self.target.headers, "Content-Type": "application/json"},
        )
        entry = _entry(index, step["op"], method, path, query, body, response)
        if record:
            self.result.transcript.append(entry)
        return entry

    def _save(self, step: dict[str, Any], body: Any) -> None:
        for name, dotted in (step.get("save") or {}).items():
            value = body
            for part in dotted.split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
            self.vars[name] = value

    def _status_event_ids(self, var: str | None) -> set[str]:
        if var is None or var not in self.vars:
            return set()
        events = self._events(str(self.vars[var]), {"kind": "ConversationStateUpdateEvent"})
        return {e["id"] for e in events if e.get("key") == "execution_status"}

    def _events(self, cid: str, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": EVENT_PAGE_LIMIT, **(query or {})}
        while True:
            response = self.target.client.get(
                f"{self.target.agent_prefix}/api/conversations/{cid}/events/search",
                params=params,
                headers=self.target.headers,
            )
            response.raise_for_status()
            page = response.json()
            items += page["items"]
            if not page.get("next_page_id"):
                return items
            params["page_id"] = page["next_page_id"]

    def conversation_ids(self) -> dict[str, str]:
        """Every conversation created so far, by step variable."""
        return {var: str(self.vars[var]) for var in self.vars.get("__convs__", [])}

    def events_of(self, cid: str) -> list[dict[str, Any]]:
        return self._events(cid)

    def _capture(self, var: str) -> dict[str, Any]:
        cid = str(self.vars[var])
        info = self.target.client.get(
            f"{self.target.agent_prefix}/api/conversations/{cid}", headers=self.target.headers
        )
        events = self._events(cid)
        return {"id": cid, "info": info.json(), "events": events, "event_count": len(events)}

    # ----- ops -----

    def _op_create(self, index: int, step: dict[str, Any]) -> None:
        body = self._create_body(step)
        entry = self._request(index, step, "POST", "/api/conversations", body)
        var = step.get("as", "cid")
        self.vars[var] = entry["response_body"]["id"]
        self.vars.setdefault("__convs__", []).append(var)
        self._last_conv = var
        self._save(step, entry["response_body"])

    def _create_body(self, step: dict[str, Any]) -> dict[str, Any]:
        llm = copy.deepcopy(self.target.llm)
        agent: dict[str, Any] = {
            "kind": "Agent",
            "llm": llm,
            "tools": [{"name": "terminal"}, {"name": "file_editor"}],
        }
        overrides = self.recording["scenario"].get("agent") or {}
        for source in (overrides, step.get("agent") or {}):
            for key, value in source.items():
                agent[key] = self._agent_value(key, value, agent.get(key))
        body: dict[str, Any] = {
            "workspace": {"kind": "LocalWorkspace", "working_dir": self.target.workspace},
            "agent": agent,
        }
        for key in ("confirmation_policy", "secrets", "max_iterations", "stuck_detection", "tags"):
            if key in step:
                body[key] = self.subst(step[key])
        if step.get("message") is not None:
            body["initial_message"] = {
                "role": "user",
                "content": [{"type": "text", "text": self.subst(step["message"])}],
                "run": step.get("run", True),
            }
        return body

    def _agent_value(self, key: str, value: Any, current: Any) -> Any:
        if value == "LLM":
            return {**copy.deepcopy(self.target.llm), "usage_id": "condenser"}
        if isinstance(value, dict):
            merged = dict(current) if isinstance(current, dict) else {}
            for sub_key, sub_value in value.items():
                merged[sub_key] = self._agent_value(sub_key, sub_value, merged.get(sub_key))
            return merged
        return value

    def _op_send_message(self, index: int, step: dict[str, Any]) -> None:
        body = {
            "role": step.get("role", "user"),
            "content": [{"type": "text", "text": self.subst(step["text"])}],
            "run": step.get("run", True),
        }
        self._request(index, step, "POST", f"/api/conversations/{self._cid(step)}/events", body)

    def _op_wait(self, index: int, step: dict[str, Any]) -> None:
        wanted = step["status"] if isinstance(step["status"], list) else [step["status"]]
        cid = self._cid(step)
        deadline = time.monotonic() + float(step.get("timeout", DEFAULT_WAIT_TIMEOUT))
        polls = 0
        while True:
            polls += 1
            entry = self._request(index, step, "GET", f"/api/conversations/{cid}", record=False)
            status = (entry["response_body"] or {}).get("execution_status")
            if status in wanted and (step.get("fresh") is False or self._fresh(step, wanted)):
                break
            if time.monotonic() > deadline:
                raise StepError(f"step {index}: status {status!r} never became one of {wanted}")
            time.sleep(POLL_INTERVAL)
        entry["polls"] = polls
        self.result.transcript.append(entry)

    def _fresh(self, step: dict[str, Any], wanted: list[str]) -> bool:
        cid = self._cid(step)
        events = self._events(cid, {"kind": "ConversationStateUpdateEvent"})
        return any(
            e.get("key") == "execution_status"
            and e["value"] in wanted
            and e["id"] not in self._baseline
            for e in events
        )

    def _op_wait_llm(self, index: int, step: dict[str, Any]) -> None:
        deadline = time.monotonic() + float(step.get("timeout", DEFAULT_WAIT_TIMEOUT))
        while self.target.llm_served() < int(step["served"]):
            if time.monotonic() > deadline:
                raise StepError(f"step {index}: the LLM never served {step['served']} turns")
            time.sleep(0.05)

    def _op_sleep(self, index: int, step: dict[str, Any]) -> None:
        time.sleep(float(step["seconds"]))

    def _post_op(self, index: int, step: dict[str, Any]) -> None:
        self._request(index, step, "POST", f"/api/conversations/{self._cid(step)}/{step['op']}")

    _op_pause = _op_run = _op_interrupt = _op_condense = _post_op

    def _op_confirm(self, index: int, step: dict[str, Any]) -> None:
        body: dict[str, Any] = {"accept": step["accept"]}
        if "reason" in step:
            body["reason"] = step["reason"]
        path = f"/api/conversations/{self._cid(step)}/events/respond_to_confirmation"
        self._request(index, step, "POST", path, body)

    def _op_ask_agent(self, index: int, step: dict[str, Any]) -> None:
        path = f"/api/conversations/{self._cid(step)}/ask_agent"
        self._request(index, step, "POST", path, {"question": self.subst(step["question"])})

    def _op_update_secrets(self, index: int, step: dict[str, Any]) -> None:
        path = f"/api/conversations/{self._cid(step)}/secrets"
        self._request(index, step, "POST", path, {"secrets": self.subst(step["secrets"])})

    def _op_set_confirmation_policy(self, index: int, step: dict[str, Any]) -> None:
        path = f"/api/conversations/{self._cid(step)}/confirmation_policy"
        self._request(index, step, "POST", path, {"policy": step["policy"]})

    def _op_get(self, index: int, step: dict[str, Any]) -> None:
        entry = self._request(index, step, "GET", f"/api/conversations/{self._cid(step)}")
        self._save(step, entry["response_body"])

    def _op_delete(self, index: int, step: dict[str, Any]) -> None:
        var = self._conv_var(step)
        assert var is not None
        captured = self._capture(var)
        self._request(index, step, "DELETE", f"/api/conversations/{self._cid(step)}")
        final = self._request(
            index, step, "GET", f"/api/conversations/{self._cid(step)}", record=False
        )
        captured.update(deleted=True, final_get_status=final["status"])
        self.result.conversations[var] = captured

    def _op_http(self, index: int, step: dict[str, Any]) -> None:
        path = self.subst(step["path"])
        query = self.subst(step.get("query") or {})
        body = self.subst(step.get("body"))
        while True:
            entry = self._request(index, step, step["method"], path, body, query)
            self._save(step, entry["response_body"])
            next_page = (
                (entry["response_body"] or {}).get("next_page_id")
                if isinstance(entry["response_body"], dict)
                else None
            )
            if not step.get("paginate") or not next_page:
                return
            query = {**query, "page_id": next_page}


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _entry(
    index: int,
    op: str,
    method: str,
    path: str,
    query: dict[str, Any] | None,
    body: Any,
    response: httpx.Response,
) -> dict[str, Any]:
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    try:
        parsed: Any = response.json()
    except ValueError:
        parsed = response.text
    return {
        "step": index,
        "op": op,
        "method": method,
        "path": path,
        "query": query or {},
        "request_body": body,
        "status": response.status_code,
        "response_body": parsed,
        "response_content_type": content_type,
    }

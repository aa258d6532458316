"""Generated requests for every operation in ohlocal's own `/openapi.json` (both roles), valid
and invalid: no 5xx, and every response conforms to the documented schema. Agent routes get the
real sandbox id and its key, so the cases reach the handlers. `make fuzz` runs it at scale."""

from __future__ import annotations

from collections import Counter

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import response_schema_conformance
from schemathesis.core.failures import FailureGroup

from ohlocal.auth import SESSION_HEADER

# 5xx answers the reference gives too, by operation label: VS Code is not bundled, and the
# reference answers 503 with VS Code disabled (docs/compatibility.md).
REFERENCE_5XX = {"GET /agent/{sandbox_id}/api/vscode/url": 503}


class ServerErrorAnswer(AssertionError):
    pass


def _no_server_error(case, response) -> None:
    if response.status_code >= 500 and REFERENCE_5XX.get(case.operation.label) != (
        response.status_code
    ):
        raise ServerErrorAnswer(
            f"{response.status_code} for {case.method} {case.formatted_path}: "
            f"{response.text[:300]}\nreproduce: {case.as_curl_command()}"
        )


def _fuzz_operation(operation, mode, target, cases: Counter, failures: dict) -> None:
    path_parameters = None
    if operation.path.startswith("/agent/{sandbox_id}"):
        path_parameters = {"sandbox_id": target.sandbox_id}
    strategy = operation.as_strategy(
        mode, path_parameters=path_parameters, headers={SESSION_HEADER.decode(): target.key}
    )

    @hypothesis.given(case=strategy)
    def run(case) -> None:
        cases[operation.label] += 1
        try:
            response = case.call(base_url=target.server.url, timeout=60)
            _no_server_error(case, response)
            case.validate_response(response, checks=[response_schema_conformance])
        except (AssertionError, FailureGroup) as exc:
            failures.setdefault(operation.label, f"{mode.value}: {str(exc)[:1500]}")

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to make invalid (an operation without parameters or body)


@pytest.mark.podman
def test_generated_requests_get_no_5xx_and_match_the_schema(fuzz_target, request) -> None:
    schema = schemathesis.openapi.from_url(fuzz_target.server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(op.path.startswith("/agent/{sandbox_id}/api/") for op in operations)
    cases: Counter[str] = Counter()
    failures: dict[str, str] = {}
    for operation in operations:
        for mode in GenerationMode:
            _fuzz_operation(operation, mode, fuzz_target, cases, failures)
    total = sum(cases.values())
    request.config.stash[FUZZ_SUMMARY] = (len(operations), total, len(failures))
    print(f"\nfuzz: {len(operations)} operations, {total} cases, {len(failures)} failing")
    assert failures == {}, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())


FUZZ_SUMMARY = pytest.StashKey[tuple[int, int, int]]()

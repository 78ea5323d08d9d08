"""Property-based API fuzzing against the service's own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, sent as a supervisor (the widest
role that reads requests; an auditor for the audit log). Whatever they contain, the service
must not answer 5xx, and every answer must conform to the document: status code, content
type, body schema, headers. The ASGI lifespan runs in schemathesis's own thread, and its pytest
plugin ends it after each test.
SQLite with the in-process broker; bounded by ``MAX_EXAMPLES`` per operation.
"""

from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from tests.conftest import make_settings
from tests.support.auth import auth_headers

from oss_router.app import create_app
from oss_router.auth.principal import Role

MAX_EXAMPLES = 100
# Takes no input but the token, and answers an endless event stream: nothing to generate.
UNFUZZED = {"/v1/stream"}
# Every check but "schema-valid data is accepted": a JSON Schema cannot say what the routing
# policy refuses (an unknown country code, an urgent request without its ground), so a
# schema-valid request may rightly get a 422 problem naming the field.
CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {"enabled": False}}})


def _operations() -> list[str]:
    # Building the app reads no database: its document lists the operations to fuzz.
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    return [
        f"{method.upper()} {path}"
        for path, ops in app.openapi()["paths"].items()
        for method in ops
        if path not in UNFUZZED
    ]


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    return create_app(make_settings(f"sqlite+aiosqlite:///{directory / 'fuzz.db'}"), migrate=True)


@pytest.mark.parametrize("label", _operations())
def test_no_input_breaks_the_service(label: str, fuzzed_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)
    operation = schema.find_operation_by_label(label)
    assert operation is not None
    # The role that may call the operation, so that generated input reaches its code.
    role = Role.AUDITOR if operation.path.startswith("/v1/audit") else Role.SUPERVISOR
    headers = auth_headers(fuzzed_app, role, "fuzzer")

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers)

    fuzz()

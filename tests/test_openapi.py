"""The service agrees with its own OpenAPI document (schemathesis, every check).

Every operation of the document (found there, so endpoints added later are covered too) gets
generated requests, schema-valid and schema-invalid, as each desk role and the auditor. The
service must answer none of them with a 5xx, accept what the document says is valid, refuse
what it says is invalid, and answer with the status codes, content types, headers and bodies
it documents. The ASGI lifespan runs in schemathesis's own thread; its pytest plugin ends it
after each test. SQLite with the in-process broker; bounded by ``MAX_EXAMPLES`` per operation,
role and mode, derandomized so that a run is repeatable.
"""

import json
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import CheckContext, GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from oss_router.app import create_app
from oss_router.auth.principal import Role
from tests.conftest import make_settings
from tests.support.auth import auth_headers

MAX_EXAMPLES = 15
ROLES = [Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR]
# Takes no input but the token, and answers an endless event stream: nothing to generate.
UNFUZZED = {"/v1/stream"}
# Every check with its default expectations, but "schema-valid data is accepted" is replaced
# by the same check that also lets a 422 pass when each field it names is in BEYOND_THE_SCHEMA.
CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {"enabled": False}}})

# What the service refuses in a schema-valid body or query for reasons a JSON Schema cannot
# state, each field with its reason; a 422 naming any other field fails the run.
BEYOND_THE_SCHEMA = {
    # An upload's type is decided from its bytes (docs/attachments.md), and it may not be empty.
    "file": "the allow-list of types found in the bytes, and no empty file",
    # The routing policy and its dated reference data: known, non-domestic, routable countries
    # (Directive 2023/977 Art. 4; rules R0-R7), each once; an override must be eligible.
    "target_countries": "routing policy",
    "preferred_channel": "eligibility of the channel for the country",
    "override_reason": "an override needs a reason that is not blank",
    "crime_area": "the dated reference set of Europol mandate areas",
    # Subjects: known country codes, calendar dates up to today, a vehicle's identification, a
    # searchable DNA profile, all checked across fields or against the calendar.
    "subject": "cross-field and calendar rules of the subject",
    # Text is trimmed before its length is checked: "          x" is too short a purpose.
    "purpose": "length after trimming",
    "reason": "length after trimming",
    "reference": "length after trimming",
    # A received request (POST /v1/inbound): a known requesting state (the dated reference
    # list), a time of receipt between a year ago and now, an authority named after trimming.
    "requesting_country": "the dated reference list of countries",
    "received_at": "between a year ago and now",
    "requesting_authority": "length after trimming",
    # Only a cursor the service issued is valid: a JSON Schema can only say "a string".
    "cursor": "issued by the service",
    # A search's words after normalisation: at most 8, one of three letters or digits.
    "q": "words of the normalised search (docs/search.md)",
    # Two query parameters compared with each other: the audit log's period.
    "until": "later than since",
}


def _beyond_the_schema(response: schemathesis.Response) -> bool:
    if response.status_code != 422:
        return False
    fields = [error["field"] for error in json.loads(response.content).get("errors", [])]
    return bool(fields) and all(
        field.split(".", 1)[0].split("[", 1)[0] in BEYOND_THE_SCHEMA for field in fields
    )


@schemathesis.check
def positive_data_acceptance_beyond_the_schema(
    ctx: CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    if _beyond_the_schema(response):
        return None
    return positive_data_acceptance(ctx, response, case)


def _document() -> dict[str, dict[str, dict[str, object]]]:
    # Building the app reads no database: its document lists the operations to fuzz.
    paths: dict[str, dict[str, dict[str, object]]] = create_app(
        make_settings("sqlite+aiosqlite:///:memory:")
    ).openapi()["paths"]
    return paths


def _cases() -> list[tuple[str, GenerationMode]]:
    """Each operation in both modes; one without any input has nothing to make invalid."""
    cases = []
    for path, operations in _document().items():
        for method, operation in operations.items():
            if path in UNFUZZED:
                continue
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((label, GenerationMode.NEGATIVE))
    return cases


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    # Simulation off: the fuzzer gets its 404 (or 422 for a bad body) instead of making the
    # stub partners send up to a thousand requests per call.
    settings = make_settings(f"sqlite+aiosqlite:///{directory / 'fuzz.db'}", simulation=False)
    return create_app(settings, migrate=True)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("label", "mode"), _cases())
def test_the_service_keeps_to_its_document(
    label: str, role: Role, mode: GenerationMode, fuzzed_app: FastAPI
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=CONFIG)
    operation = schema.find_operation_by_label(label)
    assert operation is not None
    headers = auth_headers(fuzzed_app, role, f"fuzzer-{role.value}")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers)

    fuzz()

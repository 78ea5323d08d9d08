"""Problems as a person and a client read them: 405 with the right Allow, declared statuses,
and validation messages written as sentences, in the order of the form."""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from tests.conftest import make_settings
from tests.support.payloads import request_body

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PYDANTIC_WORDS = re.compile(r"should|Input|pattern|Value error|validation|\^|\$")


def _document() -> dict[str, Any]:
    return create_app(make_settings("sqlite+aiosqlite:///:memory:")).openapi()


@pytest.mark.parametrize("path", list(_document()["paths"]))
async def test_405_lists_every_method_of_the_path(client: httpx.AsyncClient, path: str) -> None:
    declared = {method.upper() for method in _document()["paths"][path]}
    undeclared = next(method for method in ["DELETE", "PUT", "PATCH"] if method not in declared)
    concrete = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)

    response = await client.request(undeclared, concrete)

    assert response.status_code == 405, response.text
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert allowed - {"HEAD"} == declared


def test_every_conflict_is_documented() -> None:
    paths = _document()["paths"]
    for path, method in [
        ("/v1/requests", "post"),
        ("/v1/requests/{request_id}/cancel", "post"),
        ("/v1/requests/{request_id}/dispatches/{dispatch_id}/reroute", "post"),
    ]:
        conflict = paths[path][method]["responses"]["409"]
        assert conflict["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }


def test_the_document_ties_the_subject_to_the_kind() -> None:
    schemas = _document()["components"]["schemas"]
    assert schemas["VehicleRequest"]["properties"]["subject"] == {
        "$ref": "#/components/schemas/VehicleSubject"
    }
    assert schemas["VehicleRequest"]["properties"]["kind"]["const"] == "vehicle"
    urgent = schemas["VehicleRequest"]["allOf"][0]
    assert urgent["if"]["properties"]["urgency"] == {"const": "urgent"}
    assert urgent["then"]["required"] == ["urgency_ground"]


def _assert_sentences(problem: dict[str, Any]) -> None:
    for error in problem["errors"]:
        message = error["message"]
        assert not message[0].islower(), error
        assert message.endswith("."), error
        assert not PYDANTIC_WORDS.search(message), error


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target_countries": []}, "target_countries", "Add at least one target country."),
        (
            {"subject": {"family_name": "Nowak", "date_of_birth": "17.02.1980"}},
            "subject.date_of_birth",
            "Use the form YYYY, YYYY-MM or YYYY-MM-DD.",
        ),
        ({"purpose": "short"}, "purpose", "Write at least 10 characters."),
        ({"urgency": "asap"}, "urgency", "Choose one of: normal or urgent."),
        ({"unexpected": 1}, "unexpected", "This field is not part of the request: remove it."),
        ({"subject": {}}, "subject.family_name", "Fill this in: it is required."),
    ],
)
async def test_messages_are_sentences_for_a_person(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = await client.post("/v1/requests", json=request_body(**overrides))

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": field, "message": message} in errors
    _assert_sentences(response.json())


async def test_errors_come_in_the_order_of_the_form(client: httpx.AsyncClient) -> None:
    body = request_body(
        reference="",
        purpose="short",
        crime_area="Not An Area",
        target_countries=[],
        subject={"family_name": "", "sex": "x", "nationalities": ["pl1"]},
    )
    response = await client.post("/v1/requests", json=body)

    fields = [error["field"] for error in response.json()["errors"]]
    assert fields == [
        "subject.family_name",
        "subject.sex",
        "subject.nationalities[0]",
        "target_countries",
        "crime_area",
        "purpose",
        "reference",
    ]
    _assert_sentences(response.json())


async def test_query_errors_are_sentences_and_unknown_parameters_refused(
    client: httpx.AsyncClient,
) -> None:
    bad_limit = await client.get("/v1/requests", params={"limit": "many", "country": "DEU"})
    misspelt = await client.get("/v1/requests", params={"statsu": "queued"})

    assert [error["field"] for error in bad_limit.json()["errors"]] == ["country", "limit"]
    assert [error["field"] for error in misspelt.json()["errors"]] == ["statsu"]
    _assert_sentences(bad_limit.json())
    _assert_sentences(misspelt.json())


async def test_an_undeclared_query_parameter_is_a_documented_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz", params={"verbose": "1"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "verbose", "message": "This parameter is not known here: remove it."}
    ]
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], f"{method} {path}"


@pytest.mark.parametrize(
    "overrides",
    [
        {"target_countries": ["ZZ"]},
        {"target_countries": ["DE", "DE"]},
        {"target_countries": ["PL"]},
        {"urgency": "urgent"},
        {"kind": "vehicle", "subject": {"make": "Skoda"}},
        {"subject": {"family_name": "Nowak", "date_of_birth": "1980-02-30"}},
        {"subject": {"family_name": "Nowak", "nationalities": ["QQ"]}},
    ],
)
async def test_refusals_beyond_the_schema_are_sentences_too(
    client: httpx.AsyncClient, overrides: dict[str, Any]
) -> None:
    response = await client.post("/v1/requests", json=request_body(**overrides))

    assert response.status_code == 422, response.text
    _assert_sentences(response.json())

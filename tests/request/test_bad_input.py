"""Every bad input gets a clear problem+json naming the field, and nothing is stored."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.auth.principal import Role
from tests.support.auth import auth_headers
from tests.support.db import stored_counts
from tests.support.payloads import SUBJECTS, request_body

PROBLEM = "application/problem+json"
NOTHING = {"exchange_requests": 0, "dispatches": 0, "request_events": 0, "outbox_messages": 0}


async def assert_refused(
    app: FastAPI, response: httpx.Response, status: int, field: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status
    if field is not None:
        assert field in [error["field"] for error in problem["errors"]], problem
    assert await stored_counts(app) == NOTHING
    return dict(problem)


async def test_malformed_json(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/requests", content=b'{"kind": "person",', headers={"content-type": "application/json"}
    )
    await assert_refused(app, response, 400, "body")


@pytest.mark.parametrize("body", [b"[]", b'"person"', b"42", b"null"])
async def test_non_object_body(app: FastAPI, client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/v1/requests", content=body, headers={"content-type": "application/json"}
    )
    await assert_refused(app, response, 422, "body")


async def test_body_over_64_kib(app: FastAPI, client: httpx.AsyncClient) -> None:
    body = request_body(purpose="x" * (70 * 1024))
    response = await client.post("/v1/requests", json=body)
    await assert_refused(app, response, 413)


async def test_chunked_body_over_the_limit_is_cut(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(80):
            yield b" " * 1024

    response = await client.post(
        "/v1/requests", content=chunks(), headers={"content-type": "application/json"}
    )
    await assert_refused(app, response, 413)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_wrong_content_type(
    app: FastAPI, client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/v1/requests", content=b'{"kind":"person"}', headers=headers)
    await assert_refused(app, response, 415, "Content-Type")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unexpected": 1}, "unexpected"),
        ({"kind": "spaceship"}, "kind"),
        ({"purpose": "too short"}, "purpose"),
        ({"target_countries": []}, "target_countries"),
        ({"target_countries": "DE"}, "target_countries"),
        ({"target_countries": ["DEU"]}, "target_countries[0]"),
        ({"urgency": "asap"}, "urgency"),
        ({"handling_code": "H9"}, "handling_code"),
        ({"preferred_channel": "carrier_pigeon"}, "preferred_channel"),
        ({"subject": {"given_names": "Jan"}}, "subject.family_name"),
        (
            {"subject": {"family_name": "Nowak", "date_of_birth": "1980-13-01"}},
            "subject.date_of_birth",
        ),
        (
            {"subject": {"family_name": "Nowak", "nationalities": ["QQ"]}},
            "subject.nationalities[0]",
        ),
        ({"subject": {"family_name": "Nowak", "shoe_size": 44}}, "subject.shoe_size"),
        ({"subject": "Nowak"}, "subject"),
    ],
)
async def test_invalid_fields_are_named(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/requests", json=request_body(**overrides))
    await assert_refused(app, response, 422, field)


@pytest.mark.parametrize(
    ("kind", "subject", "field"),
    [
        ("vehicle", {"vin": "WVWZZZ1JZXW00000I"}, "subject.vin"),
        ("vehicle", {"make": "Skoda"}, "subject"),
        ("vehicle", {"registration_number": "WX12345"}, "subject"),
        (
            "document",
            {"document_type": "passport", "document_number": "EA1"},
            "subject.issuing_country",
        ),
        (
            "document",
            {"document_type": "scroll", "document_number": "1", "issuing_country": "PL"},
            "subject.document_type",
        ),
        (
            "dna",
            {"profile_reference": "X", "sample_type": "reference", "loci": {"TH01": ["9.3"]}},
            "subject",
        ),
        (
            "dna",
            {"profile_reference": "X", "sample_type": "reference", "loci": {"TH01": ["nine"]}},
            "subject.loci.TH01[0]",
        ),
        ("fingerprint", {"print_type": "latent"}, "subject.afis_reference"),
        ("fingerprint", {"afis_reference": "  "}, "subject.afis_reference"),
        ("fingerprint", {"afis_reference": "PL AFIS 1"}, "subject.afis_reference"),
        ("fingerprint", {"afis_reference": "A" * 65}, "subject.afis_reference"),
        ("fingerprint", {"afis_reference": "A1", "print_type": "rolled"}, "subject.print_type"),
        ("fingerprint", {"afis_reference": "A1", "finger_positions": [0]},
         "subject.finger_positions[0]"),
        ("fingerprint", {"afis_reference": "A1", "finger_positions": [11]},
         "subject.finger_positions[0]"),
        ("fingerprint", {"afis_reference": "A1", "finger_positions": ["thumb"]},
         "subject.finger_positions[0]"),
        ("fingerprint", {"afis_reference": "A1", "finger_positions": [1, 2, 1]},
         "subject.finger_positions"),
        ("fingerprint", {"afis_reference": "A1", "finger_positions": list(range(1, 12))},
         "subject.finger_positions"),
        ("fingerprint", {"afis_reference": "A1", "loci": {}}, "subject.loci"),
        ("fingerprint", SUBJECTS["dna"], "subject.afis_reference"),
    ],
)  # fmt: skip
async def test_invalid_subjects_per_kind(
    app: FastAPI, client: httpx.AsyncClient, kind: str, subject: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/requests", json=request_body(kind, subject=subject))
    await assert_refused(app, response, 422, field)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"target_countries": ["PL"]}, "target_countries[0]"),  # R0: domestic
        ({"target_countries": ["DE", "DE"]}, "target_countries[1]"),
        ({"target_countries": ["ZZ"]}, "target_countries[0]"),
        ({"target_countries": ["KP"]}, "target_countries[0]"),  # R7: no channel
        ({"urgency": "urgent"}, "urgency_ground"),
        ({"crime_area": "jaywalking"}, "crime_area"),
        (
            {"preferred_channel": "pccc", "override_reason": "faster", "target_countries": ["FR"]},
            "preferred_channel",
        ),
        ({"preferred_channel": "interpol"}, "override_reason"),
    ],
)
async def test_unroutable_requests_are_refused(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    # As a supervisor: a routing override is theirs to ask for (an officer gets 403 first).
    supervisor = auth_headers(app, Role.SUPERVISOR)
    response = await client.post("/v1/requests", json=request_body(**overrides), headers=supervisor)
    problem = await assert_refused(app, response, 422, field)
    assert problem["detail"]


async def test_preview_refuses_like_create(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/routing/preview", json=request_body(target_countries=["PL"]))
    await assert_refused(app, response, 422, "target_countries[0]")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"status": "lost"}, "status"),
        ({"country": "Germany"}, "country"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/v1/requests", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_bad_path_id_and_unknown_route(client: httpx.AsyncClient) -> None:
    bad_id = await client.get("/v1/requests/not-a-uuid")
    missing = await client.get("/v1/nowhere")

    assert bad_id.status_code == 422
    assert bad_id.json()["errors"][0]["field"] == "request_id"
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


async def test_cancel_needs_a_reason(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/requests", json=request_body())).json()
    response = await client.post(f"/v1/requests/{created['id']}/cancel", json={})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        ({"afis_reference": "A1", "finger_positions": [1, 2, 1]}, "Name each finger position once"),
        ({"afis_reference": "PL AFIS 1"}, "AFIS reference"),
        ({"afis_reference": "A1", "finger_positions": [11]}, "10"),
    ],
)
async def test_fingerprint_errors_are_in_words_a_person_understands(
    app: FastAPI, client: httpx.AsyncClient, subject: dict[str, Any], words: str
) -> None:
    response = await client.post("/v1/requests", json=request_body("fingerprint", subject=subject))
    problem = await assert_refused(app, response, 422)
    assert any(words in error["message"] for error in problem["errors"]), problem["errors"]

"""``POST /v1/routing/preview`` on a request still being written (subject or purpose missing)."""

import httpx
from fastapi import FastAPI

from oss_router.auth.principal import Role
from tests.support.auth import auth_headers
from tests.support.payloads import request_body


def draft(**overrides: object) -> dict[str, object]:
    body = request_body("person", target_countries=["DE", "TR"], **overrides)
    del body["subject"], body["purpose"]
    return body


async def test_the_route_is_previewed_without_subject_and_purpose(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/routing/preview", json=draft())
    assert response.status_code == 200, response.text
    routes = [(d["country"], d["channel"], d["rule"]) for d in response.json()["dispatches"]]
    assert routes == [("DE", "europol", "R3"), ("TR", "liaison_officer", "R4")]


async def test_a_draft_is_still_checked_field_by_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/routing/preview", json={**draft(), "purpose": "short", "urgency": "urgent"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["purpose"]


async def test_creating_still_needs_subject_and_purpose(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/requests", json=draft())
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"subject", "purpose"}


async def test_duplicates_are_looked_for_only_when_the_subject_is_given(
    client: httpx.AsyncClient,
) -> None:
    # Still open while the channel works on it (a duplicate is an *open* request).
    open_request = request_body("person", reference="stub:slow=1500")
    created = await client.post("/v1/requests", json=open_request)
    assert created.status_code == 202, created.text
    with_subject = await client.post("/v1/routing/preview", json=request_body("person"))
    codes = [warning["code"] for warning in with_subject.json()["warnings"]]
    assert codes == ["possible_duplicate"]
    without = await client.post(
        "/v1/routing/preview",
        json={k: v for k, v in request_body("person").items() if k != "subject"},
    )
    assert without.status_code == 200
    assert without.json()["warnings"] == []


async def test_a_pccc_previews_the_route_its_request_would_take(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # Issue 11 item 12: the preview said "needs one of the roles: officer, supervisor" to a
    # PCCC that may submit; and the PCCC's default (border_area) must apply to the preview too.
    pccc = auth_headers(app, Role.PCCC, "pccc.kehl", "PCCC-FR-DE-KEHL")
    body = {**draft(), "kind": "vehicle", "target_countries": ["DE"]}
    previewed = await client.post("/v1/routing/preview", json=body, headers=pccc)
    assert previewed.status_code == 200, previewed.text
    created = await client.post(
        "/v1/requests", json=request_body("vehicle", target_countries=["DE"]), headers=pccc
    )
    assert created.status_code == 202, created.text
    routes = [(d["country"], d["channel"]) for d in previewed.json()["dispatches"]]
    assert routes == [(d["country"], d["channel"]) for d in created.json()["dispatches"]]
    assert routes == [("DE", "pccc")]

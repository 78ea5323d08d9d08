"""One bad target does not hide the routing of the others (issue 11 item 14): the preview
routes every valid target and names each bad one; intake refuses, naming every bad one."""

import httpx
from fastapi import FastAPI

from oss_router.auth.principal import Role
from tests.support.auth import auth_headers
from tests.support.payloads import request_body

# Germany (R3), an unknown code, the home country (R0), a country no channel reaches (R7),
# Germany again, and a code that is not two letters at all.
TARGETS = ["DE", "XX", "PL", "KP", "DE", "DEU", "TR"]
BAD = {
    "target_countries[1]": ("XX", None, "unknown country code"),
    "target_countries[2]": ("PL", "R0", "home country"),
    "target_countries[3]": ("KP", "R7", "no cooperation channel"),
    "target_countries[4]": ("DE", None, "already target_countries[0]"),
    "target_countries[5]": ("DEU", None, "unknown country code"),
}


async def test_the_preview_routes_the_valid_targets_and_names_each_bad_one(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/routing/preview", json=request_body("person", target_countries=TARGETS)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    routes = [(d["country"], d["channel"], d["rule"]) for d in body["dispatches"]]
    assert routes == [("DE", "europol", "R3"), ("TR", "liaison_officer", "R4")]
    assert all(d["due_at"] and d["explanation"] for d in body["dispatches"])
    errors = {e["field"]: (e["country"], e["rule"], e["message"]) for e in body["errors"]}
    assert errors.keys() == BAD.keys()
    for field, (country, rule, words) in BAD.items():
        assert errors[field][:2] == (country, rule)
        assert words in errors[field][2]


async def test_a_preview_with_only_valid_targets_has_no_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/routing/preview", json=request_body("person"))
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == []


async def test_an_override_not_eligible_for_one_target_leaves_the_others_routed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    body = request_body(
        "person",
        target_countries=["DE", "SO"],
        preferred_channel="europol",
        override_reason="the case is at Europol",
    )
    response = await client.post(
        "/v1/routing/preview", json=body, headers=auth_headers(app, Role.SUPERVISOR)
    )

    assert response.status_code == 200, response.text
    assert [d["country"] for d in response.json()["dispatches"]] == ["DE"]
    [error] = response.json()["errors"]
    assert (error["field"], error["country"], error["rule"]) == (
        "target_countries[1]",
        "SO",
        "OVERRIDE",
    )
    assert "europol is not eligible for SO" in error["message"]


async def test_a_fault_of_the_whole_draft_still_refuses_the_preview(
    client: httpx.AsyncClient,
) -> None:
    body = request_body("person", target_countries=["DE", "XX"], urgency="urgent")
    response = await client.post("/v1/routing/preview", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["urgency_ground"]


async def test_intake_refuses_the_request_naming_every_bad_target(
    client: httpx.AsyncClient,
) -> None:
    targets = [code for code in TARGETS if len(code) == 2]  # intake checks the format first
    response = await client.post(
        "/v1/requests", json=request_body("person", target_countries=targets)
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [f"target_countries[{index}]" for index in (1, 2, 3, 4)]
    assert (await client.get("/v1/requests")).json()["items"] == []

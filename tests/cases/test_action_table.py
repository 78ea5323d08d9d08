"""Every action on a case × every role × the case's state: what is allowed, and that a
refusal changes nothing (the case's timeline stays as it was)."""

from typing import Any

import httpx
import pytest

from oss_router.auth.principal import Role
from tests.cases.conftest import Caller, case_body, request_body

ROLES = {
    "officer": (Role.OFFICER, "sofia", None),
    "supervisor": (Role.SUPERVISOR, "marta", None),
    "own_pccc": (Role.PCCC, "pccc-north", "north"),
    "other_pccc": (Role.PCCC, "pccc-south", "south"),
    "auditor": (Role.AUDITOR, "ada", None),
}
ACTIONS = ["link", "unlink", "close", "reopen"]
EVENT = {"link": "linked", "unlink": "unlinked", "close": "closed", "reopen": "reopened"}

# (action, state) → status for a role that may work the case.
ALLOWED = {
    ("link", "open"): 200,
    ("link", "closed"): 409,
    ("unlink", "open"): 200,
    ("unlink", "closed"): 409,
    ("close", "open"): 200,
    ("close", "closed"): 409,
    ("reopen", "open"): 409,
    ("reopen", "closed"): 200,
}


def expected(role: str, action: str, state: str) -> int:
    if role == "auditor":
        return 403
    if role == "other_pccc":
        return 404
    return ALLOWED[(action, state)]


async def _call(
    http: httpx.AsyncClient, action: str, case_id: str, ids: dict[str, str], auth: Any
) -> httpx.Response:
    if action == "link":
        body = {"request_id": ids["fresh"]}
        return await http.post(f"/v1/cases/{case_id}/links", json=body, headers=auth)
    if action == "unlink":
        path = f"/v1/cases/{case_id}/links/requests/{ids['filed']}"
        return await http.delete(path, headers=auth)
    if action == "close":
        return await http.post(f"/v1/cases/{case_id}/close", json={"reason": "done"}, headers=auth)
    return await http.post(f"/v1/cases/{case_id}/reopen", headers=auth)


@pytest.mark.parametrize("state", ["open", "closed"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", list(ROLES))
async def test_action_role_state(
    http: httpx.AsyncClient, headers: Caller, role: str, action: str, state: str
) -> None:
    owner = headers(Role.PCCC, "pccc-north", "north")
    filed = (await http.post("/v1/requests", json=request_body(), headers=owner)).json()["id"]
    fresh = (await http.post("/v1/requests", json=request_body(), headers=owner)).json()["id"]
    created = await http.post("/v1/cases", json=case_body(request_id=filed), headers=owner)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    if state == "closed":
        closing = {"reason": "set up"}
        closed = await http.post(f"/v1/cases/{case_id}/close", json=closing, headers=owner)
        assert closed.status_code == 200
    before = (await http.get(f"/v1/cases/{case_id}", headers=owner)).json()

    role_enum, subject, unit = ROLES[role]
    auth = headers(role_enum, subject, unit)
    response = await _call(http, action, case_id, {"filed": filed, "fresh": fresh}, auth)

    want = expected(role, action, state)
    assert response.status_code == want, response.text
    after = (await http.get(f"/v1/cases/{case_id}", headers=owner)).json()
    if want != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert after["timeline"] == before["timeline"]
        assert after["links"] == before["links"]
        assert after["status"] == before["status"]
        return
    assert response.json()["id"] == case_id

    def own(read: dict[str, Any]) -> list[str]:
        return [item["type"] for item in read["timeline"] if item["source"] == "case"]

    assert own(after) == [*own(before), EVENT[action]]


async def test_link_body_needs_exactly_one_request(http: httpx.AsyncClient) -> None:
    case_id = (await http.post("/v1/cases", json=case_body())).json()["id"]
    for body in (
        {},
        {"request_id": case_id, "inbound_id": case_id},
        {"request_id": case_id, "message_id": case_id},
        {"inbound_id": case_id, "message_id": case_id},
    ):
        response = await http.post(f"/v1/cases/{case_id}/links", json=body)
        assert response.status_code == 422
        fields = [e["field"] for e in response.json()["errors"]]
        assert fields == ["request_id", "inbound_id", "message_id"]


async def test_a_request_is_in_one_case_at_most(http: httpx.AsyncClient) -> None:
    request_id = (await http.post("/v1/requests", json=request_body())).json()["id"]
    first = (await http.post("/v1/cases", json=case_body("C-1"))).json()["id"]
    second = (await http.post("/v1/cases", json=case_body("C-2"))).json()["id"]
    assert (
        await http.post(f"/v1/cases/{first}/links", json={"request_id": request_id})
    ).status_code == 200
    again = await http.post(f"/v1/cases/{first}/links", json={"request_id": request_id})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "request_id"
    other = await http.post(f"/v1/cases/{second}/links", json={"request_id": request_id})
    assert other.status_code == 409
    assert other.json()["case_id"] == first
    moved = await http.delete(f"/v1/cases/{first}/links/requests/{request_id}")
    assert moved.status_code == 200
    assert moved.json()["links"] == []
    relinked = await http.post(f"/v1/cases/{second}/links", json={"request_id": request_id})
    assert relinked.status_code == 200


async def test_unlinking_what_is_not_in_the_case_is_a_404(http: httpx.AsyncClient) -> None:
    case_id = (await http.post("/v1/cases", json=case_body())).json()["id"]
    unknown = "00000000-0000-4000-8000-000000000000"
    for kind in ("requests", "inbound"):
        response = await http.delete(f"/v1/cases/{case_id}/links/{kind}/{unknown}")
        assert response.status_code == 404


async def test_a_pccc_cannot_file_another_units_request(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    south = headers(Role.PCCC, "pccc-south", "south")
    north = headers(Role.PCCC, "pccc-north", "north")
    request_id = (await http.post("/v1/requests", json=request_body(), headers=south)).json()["id"]
    case_id = (await http.post("/v1/cases", json=case_body(), headers=north)).json()["id"]
    response = await http.post(
        f"/v1/cases/{case_id}/links", json={"request_id": request_id}, headers=north
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "request_id"

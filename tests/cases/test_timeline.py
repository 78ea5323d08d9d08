"""GET /v1/cases/{id}: everything in the case as ONE timeline in time order, each item saying
whose event it is and where to read it; filing an outgoing request in a case as it is made
(``case_id`` on POST /v1/requests); the audit entries of every action and reading."""

import uuid
from collections.abc import Iterable

import httpx
import pytest
from fastapi import FastAPI

from oss_router.auth.principal import Role
from oss_router.models import AuditEntry
from tests.cases.conftest import Caller, case_body, registration, request_body
from tests.support.audit import log_of
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock


def of_case(entries: Iterable[AuditEntry], case_id: str) -> list[AuditEntry]:
    return [entry for entry in entries if entry.detail.get("case_id") == case_id]


async def test_the_case_and_its_requests_are_one_timeline_in_time_order(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    t_case = clock.now
    case_id = (await http.post("/v1/cases", json=case_body())).json()["id"]
    clock.advance(minutes=5)
    filed = await http.post("/v1/requests", json=request_body(case_id=case_id))
    assert filed.status_code == 202, filed.text
    request_id = filed.json()["id"]
    clock.advance(minutes=5)
    inbound_id = (await http.post("/v1/inbound", json=registration())).json()["id"]
    clock.advance(minutes=5)
    linked = await http.post(f"/v1/cases/{case_id}/links", json={"inbound_id": inbound_id})
    assert linked.status_code == 200, linked.text
    clock.advance(minutes=5)
    await http.post(f"/v1/cases/{case_id}/close", json={"reason": "ring dismantled"})

    read = (await http.get(f"/v1/cases/{case_id}")).json()
    timeline = read["timeline"]
    moments = [item["at"] for item in timeline]
    assert moments == sorted(moments)
    assert timeline[0]["at"].startswith(t_case.isoformat()[:19])
    summary = [(item["source"], item["type"]) for item in timeline]
    assert summary[0] == ("case", "created")
    assert ("request", "created") in summary
    assert summary.index(("request", "created")) < summary.index(("inbound", "received"))
    assert summary.index(("inbound", "received")) < summary.index(("case", "linked"))
    assert summary[-1] == ("case", "closed")
    created = next(
        item for item in timeline if item["type"] == "created" and item["source"] == "request"
    )
    assert created["href"] == f"/v1/requests/{request_id}"
    assert created["detail"]["case_id"] == case_id
    received = next(item for item in timeline if item["source"] == "inbound")
    assert received["href"] == f"/v1/inbound/{inbound_id}"
    link_item = next(item for item in timeline if item["type"] == "linked")
    assert link_item["href"] == f"/v1/inbound/{inbound_id}"
    assert read["status"] == "closed"
    assert read["close_reason"] == "ring dismantled"
    assert {link["request_id"] or link["inbound_id"] for link in read["links"]} == {
        request_id,
        inbound_id,
    }


async def test_an_unlinked_request_leaves_the_timeline_but_its_history_stays(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    request_id = (await http.post("/v1/requests", json=request_body())).json()["id"]
    case_id = (await http.post("/v1/cases", json=case_body(request_id=request_id))).json()["id"]
    clock.advance(minutes=1)
    await http.delete(f"/v1/cases/{case_id}/links/requests/{request_id}")
    timeline = (await http.get(f"/v1/cases/{case_id}")).json()["timeline"]
    assert [(item["source"], item["type"]) for item in timeline] == [
        ("case", "created"),
        ("case", "linked"),
        ("case", "unlinked"),
    ]
    assert all(item["request_id"] == request_id for item in timeline[1:])


async def test_a_pccc_sees_only_its_own_requests_in_a_desk_case(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    south = headers(Role.PCCC, "pccc-south", "south")
    theirs = (await http.post("/v1/requests", json=request_body(), headers=south)).json()["id"]
    ours = (await http.post("/v1/requests", json=request_body())).json()["id"]
    case_id = (await http.post("/v1/cases", json=case_body(request_id=ours))).json()["id"]
    await http.post(f"/v1/cases/{case_id}/links", json={"request_id": theirs})
    read = (await http.get(f"/v1/cases/{case_id}")).json()
    assert len(read["links"]) == 2
    # The desk case is not the south unit's: it does not see it at all.
    assert (await http.get(f"/v1/cases/{case_id}", headers=south)).status_code == 404


@pytest.mark.parametrize("state", ["unknown", "closed", "other_unit"])
async def test_filing_a_request_in_a_case_it_cannot_go_to_is_a_422_naming_case_id(
    http: httpx.AsyncClient, headers: Caller, state: str
) -> None:
    north = headers(Role.PCCC, "pccc-north", "north")
    case_id = (await http.post("/v1/cases", json=case_body())).json()["id"]
    caller = north if state == "other_unit" else None
    if state == "unknown":
        case_id = "00000000-0000-4000-8000-000000000000"
    if state == "closed":
        await http.post(f"/v1/cases/{case_id}/close", json={"reason": "done"})
    response = await http.post("/v1/requests", json=request_body(case_id=case_id), headers=caller)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["case_id"]
    assert (await http.get("/v1/requests")).json()["items"] == []


async def test_a_request_filed_in_a_case_shows_in_its_links(http: httpx.AsyncClient) -> None:
    case_id = (await http.post("/v1/cases", json=case_body())).json()["id"]
    request_id = (await http.post("/v1/requests", json=request_body(case_id=case_id))).json()["id"]
    plain = await http.post("/v1/requests", json=request_body())
    assert plain.status_code == 202
    links = (await http.get(f"/v1/cases/{case_id}")).json()["links"]
    assert [link["request_id"] for link in links] == [request_id]


async def test_every_action_and_reading_is_audited(app: FastAPI, http: httpx.AsyncClient) -> None:
    request_id = (await http.post("/v1/requests", json=request_body())).json()["id"]
    inbound_id = (await http.post("/v1/inbound", json=registration())).json()["id"]
    case_id = (await http.post("/v1/cases", json=case_body(request_id=request_id))).json()["id"]
    await http.post(f"/v1/cases/{case_id}/links", json={"inbound_id": inbound_id})
    await http.get(f"/v1/cases/{case_id}")
    await http.delete(f"/v1/cases/{case_id}/links/inbound/{inbound_id}")
    await http.post(f"/v1/cases/{case_id}/close", json={"reason": "no longer pursued"})
    await http.post(f"/v1/cases/{case_id}/reopen")
    await http.get("/v1/cases")

    entries = of_case(await log_of(app), case_id)
    summary = [
        (entry.action, entry.detail.get("operation") or entry.detail.get("via"))
        for entry in entries
    ]
    assert summary == [
        ("collection", "case_created"),
        ("alteration", "case_linked"),
        ("alteration", "case_linked"),
        ("consultation", "read"),
        ("consultation", "case"),
        ("consultation", "case"),
        ("alteration", "case_unlinked"),
        ("alteration", "case_closed"),
        ("alteration", "case_reopened"),
    ]
    assert entries[1].request_id == uuid.UUID(request_id)
    assert entries[2].inbound_id == uuid.UUID(inbound_id)
    assert {entries[4].request_id, entries[5].inbound_id} == {
        uuid.UUID(request_id),
        uuid.UUID(inbound_id),
    }
    assert entries[7].justification == "no longer pursued"
    assert all(entry.actor == "officer:sofia" for entry in entries)
    listed = [entry for entry in await log_of(app) if entry.detail.get("via") == "case list"]
    assert listed
    assert listed[-1].detail["case_ids"] == [case_id]
    verified = await http.get(
        "/v1/audit/verification", headers=auth_headers(app, Role.AUDITOR, "ada")
    )
    assert verified.json()["status"] == "intact"


async def test_a_received_request_suggests_the_case_of_a_related_request(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    """The related-requests match finds our request about the same person; it is in a case."""
    request_id = (await http.post("/v1/requests", json=request_body())).json()["id"]
    case = (await http.post("/v1/cases", json=case_body(request_id=request_id))).json()
    await http.post("/v1/cases", json=case_body("EMPTY-1"))  # holds nothing related
    inbound = (await http.post("/v1/inbound", json=registration())).json()
    assert [entry["id"] for entry in inbound["related"]] == [request_id]
    assert inbound["suggested_cases"] is None  # the detail read only
    read = (await http.get(f"/v1/inbound/{inbound['id']}")).json()
    assert [(s["id"], s["href"]) for s in read["suggested_cases"]] == [
        (case["id"], f"/v1/cases/{case['id']}")
    ]
    # A PCCC learns only of its own unit's cases.
    north = headers(Role.PCCC, "pccc-north", "north")
    unit_inbound = await http.post(
        "/v1/inbound",
        json=registration(partner_reference="DE-BKA-2026-0002", unit="north"),
        headers=north,
    )
    assert unit_inbound.status_code == 201, unit_inbound.text
    seen = (await http.get(f"/v1/inbound/{unit_inbound.json()['id']}", headers=north)).json()
    assert seen["suggested_cases"] == []

"""POST /v1/inbound, GET /v1/inbound and GET /v1/inbound/{id}: registration by hand, the
Incoming queue and the detail, as each role may use them."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from oss_router.auth.principal import Role
from oss_router.models import InboundRequest
from tests.inbound.conftest import T0, Caller, FakeChecker, registration
from tests.support.audit import log_of
from tests.support.clock import FrozenClock

URGENT = {"urgency": "urgent", "urgency_ground": "loss_of_relevance"}


def z(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _set(app: FastAPI, inbound_id: str, **values: Any) -> None:
    async with app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(InboundRequest)
            .where(InboundRequest.id == uuid.UUID(inbound_id))
            .values(**values)
        )


async def test_a_registration_is_created_with_its_deadline_and_timeline(
    http: httpx.AsyncClient, checker: FakeChecker
) -> None:
    response = await http.post("/v1/inbound", json=registration(**URGENT))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/v1/inbound/{body['id']}"
    assert body["status"] == "received"
    assert (body["access_type"], body["access_type_source"]) == ("direct", "registers")
    assert body["due_at"] == z(T0 + timedelta(hours=8))
    assert "Art. 5(1)(a)" in body["deadline_basis"]
    assert body["seconds_left"] == 8 * 3600
    assert body["registered_by"] == "officer:sofia"
    assert body["source"] == "manual"
    assert checker.calls == 1
    detail = await http.get(f"/v1/inbound/{body['id']}")
    assert detail.status_code == 200
    assert [event["type"] for event in detail.json()["events"]] == ["received"]
    assert detail.json()["national_check"]["registers"] == ["wanted_persons"]


async def test_registering_the_same_request_again_returns_the_first(
    http: httpx.AsyncClient,
) -> None:
    first = await http.post("/v1/inbound", json=registration(purpose="the first registration"))
    again = await http.post("/v1/inbound", json=registration(purpose="typed in a second time"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["purpose"] == "the first registration"
    listed = await http.get("/v1/inbound")
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]


async def test_a_failing_national_check_does_not_refuse_the_registration(
    http: httpx.AsyncClient, checker: FakeChecker
) -> None:
    checker.fail = True
    response = await http.post("/v1/inbound", json=registration())
    assert response.status_code == 201
    assert response.json()["national_check"] is None


async def test_received_at_sets_the_deadline(http: httpx.AsyncClient) -> None:
    received = T0 - timedelta(hours=3)
    body = registration(channel="sirene", received_at=received.isoformat())
    response = await http.post("/v1/inbound", json=body)
    assert response.json()["due_at"] == z(received + timedelta(hours=12))
    assert response.json()["seconds_left"] == 9 * 3600


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"channel": "fax"}, "channel"),
    ({"partner_reference": ""}, "partner_reference"),
    ({"partner_reference": "DE-ü-1"}, "partner_reference"),
    ({"partner_reference": "x" * 101}, "partner_reference"),
    ({"requesting_country": "ZZ"}, "requesting_country"),
    ({"requesting_country": "D1"}, "requesting_country"),
    ({"requesting_authority": "B"}, "requesting_authority"),
    ({"received_at": "2026-03-02T09:00:00"}, "received_at"),
    ({"received_at": "2026-03-02T12:00:00Z"}, "received_at"),
    ({"received_at": "2024-01-01T00:00:00Z"}, "received_at"),
    ({"kind": "boat"}, "kind"),
    ({"subject": {"given_names": "Jan"}}, "subject.family_name"),
    ({"subject": {"family_name": "Kowalski", "nationalities": ["XX"]}}, "subject.nationalities[0]"),
    ({"purpose": "x" * 2001}, "purpose"),
    ({"urgency": "asap"}, "urgency"),
    ({"urgency": "urgent"}, "urgency_ground"),
    ({"urgency": "urgent", "urgency_ground": "boredom"}, "urgency_ground"),
    ({"access_type": "maybe"}, "access_type"),
    ({"language": "English"}, "language"),
    ({"handling_code": "H9"}, "handling_code"),
    ({"unit": "<script>"}, "unit"),
    ({"colour": "red"}, "colour"),
    ({"requesting_authority": "Polizei\x00"}, "requesting_authority"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_FIELDS)
async def test_bad_input_is_a_problem_naming_the_field(
    http: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    response = await http.post("/v1/inbound", json=registration(**overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == [field]
    assert all(error["message"].endswith(".") for error in problem["errors"])
    assert (await http.get("/v1/inbound")).json()["items"] == []


async def test_a_vehicle_subject_is_validated_as_for_outgoing_requests(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/v1/inbound", json=registration("vehicle", subject={"vin": "WVWZZZ1JZXW00000I"})
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["subject.vin"]


async def test_auditors_may_not_see_nor_register(http: httpx.AsyncClient, headers: Caller) -> None:
    created = (await http.post("/v1/inbound", json=registration())).json()
    auditor = headers(Role.AUDITOR)
    calls = [
        http.post("/v1/inbound", json=registration(partner_reference="other"), headers=auditor),
        http.get("/v1/inbound", headers=auditor),
        http.get(f"/v1/inbound/{created['id']}", headers=auditor),
        http.post(
            f"/v1/inbound/{created['id']}/access-type",
            json={"access_type": "indirect", "reason": "the DNA database is another authority's"},
            headers=auditor,
        ),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert len((await http.get("/v1/inbound")).json()["items"]) == 1


async def test_a_pccc_unit_sees_only_what_arrived_for_it(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    mine = await http.post(
        "/v1/inbound",
        json=registration(channel="pccc", partner_reference="CZ-1", requesting_country="CZ"),
        headers=headers(Role.PCCC, "pccc-desk", "PCCC-CIESZYN"),
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["unit"] == "PCCC-CIESZYN"
    theirs = await http.post(
        "/v1/inbound", json=registration(partner_reference="DE-9", unit="PCCC-SWIECKO")
    )
    desk = await http.post("/v1/inbound", json=registration(partner_reference="DE-10"))
    pccc = headers(Role.PCCC, "pccc-desk", "PCCC-CIESZYN")
    listed = await http.get("/v1/inbound", headers=pccc)
    assert [item["id"] for item in listed.json()["items"]] == [mine.json()["id"]]
    for other in (theirs, desk):
        response = await http.get(f"/v1/inbound/{other.json()['id']}", headers=pccc)
        assert response.status_code == 404
    assert (await http.get(f"/v1/inbound/{uuid.uuid4()}")).status_code == 404
    # The desk sees all three.
    assert len((await http.get("/v1/inbound")).json()["items"]) == 3


async def test_a_pccc_registers_for_its_own_unit_only(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    response = await http.post(
        "/v1/inbound",
        json=registration(unit="PCCC-SWIECKO"),
        headers=headers(Role.PCCC, "pccc-desk", "PCCC-CIESZYN"),
    )
    assert response.status_code == 403
    assert [error["field"] for error in response.json()["errors"]] == ["unit"]


async def test_a_pccc_is_not_shown_another_units_registration(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    await http.post("/v1/inbound", json=registration(unit="PCCC-SWIECKO"))
    response = await http.post(
        "/v1/inbound", json=registration(), headers=headers(Role.PCCC, "p", "PCCC-CIESZYN")
    )
    assert response.status_code == 409
    assert "id" not in response.json()
    assert "Kowalski" not in response.text


async def test_a_pccc_is_shown_only_its_units_related_requests(
    http: httpx.AsyncClient, headers: Caller
) -> None:
    await http.post("/v1/inbound", json=registration(partner_reference="desk"))
    pccc = headers(Role.PCCC, "p", "PCCC-CIESZYN")
    own = await http.post("/v1/inbound", json=registration(partner_reference="own"), headers=pccc)
    later = await http.post(
        "/v1/inbound", json=registration(partner_reference="later"), headers=pccc
    )
    assert len((await http.get(f"/v1/inbound/{later.json()['id']}")).json()["related"]) == 2
    shown = (await http.get(f"/v1/inbound/{later.json()['id']}", headers=pccc)).json()["related"]
    assert [entry["id"] for entry in shown] == [own.json()["id"]]


async def _queue(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every page of the queue, two at a time."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/v1/inbound", params=query)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_the_queue_is_overdue_first_then_least_time_left_across_pages(
    app: FastAPI, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    bodies = [
        registration(partner_reference="normal-7d"),  # due T0 + 168 h
        registration(partner_reference="sirene-12h", channel="sirene"),  # due T0 + 12 h
        registration(partner_reference="urgent-8h", **URGENT),  # due T0 + 8 h
        registration(
            partner_reference="old-sirene",
            channel="sirene",
            received_at=(T0 - timedelta(hours=20)).isoformat(),
        ),  # overdue by 8 h
        registration(
            partner_reference="answered",
            channel="sirene",
            received_at=(T0 - timedelta(hours=30)).isoformat(),
        ),
        registration(partner_reference="same-due-a", channel="sirene"),
        registration(partner_reference="same-due-b", channel="sirene"),
    ]
    ids = {}
    for body in bodies:
        response = await http.post("/v1/inbound", json=body)
        assert response.status_code == 201, response.text
        ids[body["partner_reference"]] = response.json()["id"]
    await _set(app, ids["answered"], status="answered")
    queue = await _queue(http)
    order = [item["partner_reference"] for item in queue]
    same_due = sorted(["sirene-12h", "same-due-a", "same-due-b"], key=lambda ref: ids[ref])
    assert order[:2] == ["old-sirene", "urgent-8h"]
    assert sorted(order[2:5]) == sorted(same_due)
    assert order[5:] == ["normal-7d", "answered"]
    assert [item["overdue"] for item in queue] == [True] + [False] * 6
    assert len(set(order)) == len(order) == 7
    # The same order again: keyset pages are stable.
    assert [item["id"] for item in await _queue(http)] == [item["id"] for item in queue]


async def test_overdue_starts_one_instant_after_the_due_time(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    created = (await http.post("/v1/inbound", json=registration(**URGENT))).json()
    clock.set(T0 + timedelta(hours=8))
    at_due = (await http.get(f"/v1/inbound/{created['id']}")).json()
    assert (at_due["overdue"], at_due["seconds_left"]) == (False, 0)
    assert (await http.get("/v1/inbound", params={"overdue": "true"})).json()["items"] == []
    clock.advance(microseconds=1)
    late = (await http.get(f"/v1/inbound/{created['id']}")).json()
    assert late["overdue"] is True
    assert [
        item["id"] for item in (await http.get("/v1/inbound?overdue=true")).json()["items"]
    ] == [created["id"]]


async def test_the_queue_filters(app: FastAPI, http: httpx.AsyncClient, headers: Caller) -> None:
    a = (await http.post("/v1/inbound", json=registration(partner_reference="a"))).json()
    b = (
        await http.post(
            "/v1/inbound",
            json=registration(partner_reference="b", channel="interpol", requesting_country="BR"),
        )
    ).json()
    await _set(app, b["id"], status="assigned", assigned_to="sofia")

    async def ids(params: dict[str, Any], **kw: Any) -> list[str]:
        response = await http.get("/v1/inbound", params=params, **kw)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids({"channel": "interpol"}) == [b["id"]]
    assert await ids({"requesting_country": "de"}) == [a["id"]]
    assert await ids({"status": "assigned"}) == [b["id"]]
    assert await ids({"mine": "true"}) == [b["id"]]
    assert await ids({"mine": "true"}, headers=headers(Role.SUPERVISOR, "sofia")) == [b["id"]]
    assert await ids({"mine": "true"}, headers=headers(Role.OFFICER, "jan")) == []
    assert sorted(await ids({"overdue": "false"})) == sorted([a["id"], b["id"]])
    assert await ids({"overdue": "true"}) == []


async def test_a_bad_cursor_is_a_problem_naming_it(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/inbound", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["cursor"]


async def test_reading_is_audited_as_a_consultation(app: FastAPI, http: httpx.AsyncClient) -> None:
    created = (await http.post("/v1/inbound", json=registration())).json()
    await http.get(f"/v1/inbound/{created['id']}")
    await http.get("/v1/inbound")
    await http.get("/v1/inbound")  # within the window: not logged again
    entries = [
        (entry.action, entry.detail.get("via"))
        for entry in await log_of(app)
        if str(entry.inbound_id) == created["id"]
    ]
    assert entries == [
        ("collection", "inbound registration"),
        ("consultation", "register check"),
        ("consultation", "read"),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_concurrent_registrations_over_the_api_make_one(http: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(
            http.post("/v1/inbound", json=registration(partner_reference="RACE-API"))
            for _ in range(6)
        )
    )
    assert sorted(response.status_code for response in responses) == [200] * 5 + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    assert len((await http.get("/v1/inbound")).json()["items"]) == 1


async def test_a_refresh_is_logged_once_per_window(
    app: FastAPI, http: httpx.AsyncClient, headers: Caller
) -> None:
    registrar = headers(Role.SUPERVISOR, "jan")  # sofia has not consulted it yet
    created = (await http.post("/v1/inbound", json=registration(), headers=registrar)).json()
    path = f"/v1/inbound/{created['id']}"
    assert (await http.get(path, params={"refresh": "true"})).status_code == 200
    await http.get(path, params={"refresh": "true"})
    await http.get(path)  # opening it is always logged

    vias = [
        entry.detail.get("via")
        for entry in await log_of(app)
        if str(entry.inbound_id) == created["id"]
        and entry.action == "consultation"
        and entry.actor == "officer:sofia"
    ]
    assert vias == ["refresh", "read"]

"""Filing messages in a case (docs/cases.md): POST /v1/cases/{id}/links {message_id} and
DELETE /v1/cases/{id}/links/messages/{message_id}; a request filed brings its thread's
messages; the case read lists its messages and merges those on no request's thread into the
one timeline; PCCC scoping as for requests."""

import uuid
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.auth.principal import Role
from oss_router.models import AuditEntry, ExchangeMessage
from tests.cases.conftest import T0, Caller, case_body, request_body
from tests.support.attachments import seed_message


async def spontaneous(app: FastAPI, **overrides: Any) -> UUID:
    """Spontaneous information received from Germany, filed in no case yet (Art. 7)."""
    values: dict[str, Any] = {
        "direction": "incoming",
        "type": "spontaneous",
        "status": "received",
        "created_by": "partner:europol",
        "legal_basis": "Directive (EU) 2023/977 Art. 7(1)",
        "received_at": T0,
        "now": T0,
    }
    values.update(overrides)
    return await seed_message(app, **values)


async def open_case(http: httpx.AsyncClient, reference: str = "NAT-2026-0001", **kw: Any) -> str:
    response = await http.post("/v1/cases", json=case_body(reference), **kw)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    return case_id


async def file(http: httpx.AsyncClient, case_id: str, message_id: UUID, **kw: Any) -> Any:
    return await http.post(f"/v1/cases/{case_id}/links", json={"message_id": str(message_id)}, **kw)


async def case_of(app: FastAPI, message_id: UUID) -> UUID | None:
    async with app.state.runtime.sessions() as session:
        row = await session.get(ExchangeMessage, message_id)
        assert row is not None
        found: UUID | None = row.case_id
        return found


async def test_spontaneous_information_is_filed_in_a_case_and_shown_in_it(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    message_id = await spontaneous(app)
    case_id = await open_case(http)
    response = await file(http, case_id, message_id)
    assert response.status_code == 200, response.text
    [shown] = response.json()["messages"]
    assert (shown["id"], shown["type"], shown["direction"]) == (
        str(message_id),
        "spontaneous",
        "incoming",
    )
    assert shown["href"] == f"/v1/messages/{message_id}"
    assert "text" not in shown
    assert "body" not in shown
    assert await case_of(app, message_id) == UUID(case_id)
    read = (await http.get(f"/v1/cases/{case_id}")).json()
    assert [m["id"] for m in read["messages"]] == [str(message_id)]
    timeline = [(i["source"], i["type"], i.get("message_id")) for i in read["timeline"]]
    assert ("message", "message_received", str(message_id)) in timeline
    assert ("case", "linked", None) in timeline
    [linked] = [i for i in read["timeline"] if i["type"] == "linked"]
    assert linked["detail"]["message_id"] == str(message_id)
    async with app.state.runtime.sessions() as session:
        entries = (await session.scalars(select(AuditEntry))).all()
    assert any(
        e.action == "alteration" and e.detail.get("message_id") == str(message_id) for e in entries
    )


async def test_a_message_is_in_one_case_at_most(app: FastAPI, http: httpx.AsyncClient) -> None:
    message_id = await spontaneous(app)
    first = await open_case(http)
    second = await open_case(http, "NAT-2026-0002")
    assert (await file(http, first, message_id)).status_code == 200
    again = await file(http, first, message_id)
    assert again.status_code == 409
    assert "this case" in again.json()["detail"]
    elsewhere = await file(http, second, message_id)
    assert elsewhere.status_code == 409
    assert elsewhere.json()["case_id"] == first
    assert [e["field"] for e in elsewhere.json()["errors"]] == ["message_id"]


async def test_an_unknown_message_is_a_404_naming_message_id(http: httpx.AsyncClient) -> None:
    case_id = await open_case(http)
    response = await file(http, case_id, uuid.uuid4())
    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["message_id"]


async def test_a_message_is_taken_out_and_the_timeline_keeps_both(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    message_id = await spontaneous(app)
    case_id = await open_case(http)
    await file(http, case_id, message_id)
    path = f"/v1/cases/{case_id}/links/messages/{message_id}"
    response = await http.delete(path)
    assert response.status_code == 200, response.text
    assert response.json()["messages"] == []
    assert await case_of(app, message_id) is None
    read = (await http.get(f"/v1/cases/{case_id}")).json()
    own = [(i["type"], i["detail"].get("message_id")) for i in read["timeline"]]
    assert own == [("created", None), ("linked", str(message_id)), ("unlinked", str(message_id))]
    assert (await http.delete(path)).status_code == 404  # not in it any more
    # ... and it can be filed again (in this case or another).
    assert (await file(http, case_id, message_id)).status_code == 200


async def test_a_closed_case_takes_no_message(app: FastAPI, http: httpx.AsyncClient) -> None:
    message_id = await spontaneous(app)
    case_id = await open_case(http)
    await http.post(f"/v1/cases/{case_id}/close", json={"reason": "solved"})
    assert (await file(http, case_id, message_id)).status_code == 409
    assert await case_of(app, message_id) is None


async def test_a_request_filed_brings_the_messages_of_its_thread(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    request = (await http.post("/v1/requests", json=request_body())).json()
    dispatch_id = UUID(request["dispatches"][0]["id"])
    on_thread = await seed_message(
        app, dispatch_id=dispatch_id, request_id=UUID(request["id"]), now=T0
    )
    case_id = await open_case(http)
    linked = await http.post(f"/v1/cases/{case_id}/links", json={"request_id": request["id"]})
    assert linked.status_code == 200, linked.text
    assert [m["id"] for m in linked.json()["messages"]] == [str(on_thread)]
    read = (await http.get(f"/v1/cases/{case_id}")).json()
    # Its events are the request's (message_queued, message_received): not shown twice.
    assert [i for i in read["timeline"] if i["source"] == "message"] == []
    unlinked = await http.delete(f"/v1/cases/{case_id}/links/requests/{request['id']}")
    assert unlinked.json()["messages"] == []
    assert await case_of(app, on_thread) is None


async def test_a_pccc_files_only_messages_of_its_own_units_threads(
    app: FastAPI, http: httpx.AsyncClient, headers: Caller
) -> None:
    north = headers(Role.PCCC, "pccc-north", "north")
    south = headers(Role.PCCC, "pccc-south", "south")
    theirs = (await http.post("/v1/requests", json=request_body(), headers=south)).json()
    on_south = await seed_message(
        app,
        dispatch_id=UUID(theirs["dispatches"][0]["id"]),
        request_id=UUID(theirs["id"]),
        unit="south",
        now=T0,
    )
    unfiled = await spontaneous(app)
    case_id = await open_case(http, headers=north)
    assert (await file(http, case_id, on_south, headers=north)).status_code == 404
    # Spontaneous information not filed yet is the desk's to triage: not a PCCC's.
    assert (await file(http, case_id, unfiled, headers=north)).status_code == 404
    south_case = await open_case(http, "NAT-2026-0009", headers=south)
    assert (await file(http, south_case, on_south, headers=south)).status_code == 200
    # Another unit's case does not even show to exist.
    path = f"/v1/cases/{south_case}/links/messages/{on_south}"
    assert (await http.delete(path, headers=north)).status_code == 404
    assert (await http.delete(path, headers=south)).status_code == 200


async def test_an_auditor_files_nothing(
    app: FastAPI, http: httpx.AsyncClient, headers: Caller
) -> None:
    message_id = await spontaneous(app)
    case_id = await open_case(http)
    response = await file(http, case_id, message_id, headers=headers(Role.AUDITOR, "audrey"))
    assert response.status_code == 403


async def test_information_filed_in_a_units_case_is_seen_as_the_case_is(
    app: FastAPI, http: httpx.AsyncClient, headers: Caller
) -> None:
    """The desk files received information in a PCCC unit's case: the unit then reads the
    message (and its files) as it reads the case; taken out again, it is the desk's alone."""
    north = headers(Role.PCCC, "pccc-north", "north")
    unfiled = await spontaneous(app)
    case_id = await open_case(http, headers=north)
    assert (await http.get(f"/v1/messages/{unfiled}", headers=north)).status_code == 404
    assert (await file(http, case_id, unfiled)).status_code == 200
    assert (await http.get(f"/v1/messages/{unfiled}", headers=north)).status_code == 200
    path = f"/v1/cases/{case_id}/links/messages/{unfiled}"
    assert (await http.delete(path)).status_code == 200
    assert (await http.get(f"/v1/messages/{unfiled}", headers=north)).status_code == 404

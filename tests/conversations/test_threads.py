"""Messages on a request received from a partner, spontaneous information in a case (Directive
(EU) 2023/977 Art. 7), and reading messages: one, or a filtered list, role-scoped and
audited."""

import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from oss_router.auth.principal import Role
from oss_router.models import InboundReply
from tests.conversations.conftest import answered_request, audit_entries, messages_path, open_case
from tests.support.auth import auth_headers
from tests.support.inbound import seed_inbound

SPONTANEOUS = {
    "country": "DE",
    "kind": "vehicle",
    "text": "The ring moves stolen cars through the A4 crossing on Sunday nights.",
    "legal_basis": "Directive (EU) 2023/977 Art. 7(1)",
    "handling_code": "H1",
}
FOLLOW_UP = {"type": "follow_up", "text": "Did the suspect travel with anyone?"}


async def replied_inbound(
    app: FastAPI, *, reply_status: str = "delivered", unit: str | None = None
) -> str:
    now = datetime.now(UTC)
    inbound_id = await seed_inbound(app, now, status="answered", outcome="no_hit", unit=unit)
    async with app.state.runtime.sessions() as session:
        session.add(
            InboundReply(
                id=uuid.uuid4(),
                inbound_id=inbound_id,
                channel="europol",
                type="answer",
                body={"outcome": "no_hit"},
                status=reply_status,
                attempts=1,
                created_by="officer:o",
                created_at=now,
                updated_at=now,
            )
        )
        await session.commit()
    return str(inbound_id)


async def test_a_received_request_takes_messages_once_we_replied(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    waiting = await replied_inbound(app, reply_status="queued")
    refused = await client.post(f"/v1/inbound/{waiting}/messages", json=FOLLOW_UP)
    assert refused.status_code == 409
    assert "Reply to the request first" in refused.json()["errors"][0]["message"]
    replied = await replied_inbound(app)
    sent = await client.post(f"/v1/inbound/{replied}/messages", json=FOLLOW_UP)
    assert sent.status_code == 202, sent.text
    assert (sent.json()["inbound_id"], sent.json()["country"]) == (replied, "DE")
    detail = (await client.get(f"/v1/inbound/{replied}")).json()
    # The stub partner may already have answered the follow-up (the in-process workers run): its
    # answer is incoming and answers ours; ours is the one outgoing message.
    outgoing = [m["id"] for m in detail["messages"] if m["direction"] == "outgoing"]
    assert outgoing == [sent.json()["id"]]
    incoming = [m for m in detail["messages"] if m["direction"] == "incoming"]
    assert all(m["answers_id"] == sent.json()["id"] for m in incoming)
    assert "follow_up" in detail["message_types_allowed"]
    assert any(e["type"] == "message_queued" for e in detail["events"])


async def test_spontaneous_information_is_routed_and_belongs_to_its_case(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    case_id = await open_case(client)
    sent = await client.post(f"/v1/cases/{case_id}/spontaneous", json=SPONTANEOUS)
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert (body["type"], body["case_id"], body["legal_basis"]) == (
        "spontaneous",
        case_id,
        SPONTANEOUS["legal_basis"],
    )
    assert body["route"]["channel"] == body["channel"]
    assert body["route"]["explanation"]
    assert (body["dispatch_id"], body["inbound_id"]) == (None, None)
    listed = (await client.get("/v1/messages", params={"case_id": case_id})).json()
    assert [m["id"] for m in listed["items"]] == [body["id"]]
    disclosures = [
        e
        for e in await audit_entries(app, "disclosure")
        if (e.detail or {}).get("case_id") == case_id
    ]
    assert disclosures[0].detail["legal_basis"] == SPONTANEOUS["legal_basis"]


async def test_spontaneous_information_refusals_name_the_field(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client)
    path = f"/v1/cases/{case_id}/spontaneous"
    no_basis = {key: value for key, value in SPONTANEOUS.items() if key != "legal_basis"}
    assert (await client.post(path, json=no_basis)).json()["errors"][0]["field"] == "legal_basis"
    nowhere = await client.post(path, json={**SPONTANEOUS, "country": "XX"})
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"][0]["field"] == "country"
    prum = await client.post(path, json={**SPONTANEOUS, "kind": "dna"})
    assert prum.status_code == 422
    assert prum.json()["errors"][0]["field"] == "kind"
    closed = await client.post(f"/v1/cases/{case_id}/close", json={"reason": "Solved."})
    assert closed.status_code == 200, closed.text
    late = await client.post(path, json=SPONTANEOUS)
    assert late.status_code == 409
    assert late.json()["errors"][0]["field"] == "case_id"
    missing = await client.post(f"/v1/cases/{uuid.uuid4()}/spontaneous", json=SPONTANEOUS)
    assert missing.status_code == 404


async def test_reading_a_message_is_a_consultation_and_other_units_see_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    sent = (await client.post(messages_path(request), json=FOLLOW_UP)).json()
    read = await client.get(sent["href"])
    assert read.status_code == 200
    assert read.json()["text"] == FOLLOW_UP["text"]
    consulted = [
        e
        for e in await audit_entries(app, "consultation")
        if (e.detail or {}).get("message_id") == sent["id"]
    ]
    assert len(consulted) == 1
    other = auth_headers(app, Role.PCCC, "pccc-x", unit="PCCC-FR-DE")
    assert (await client.get(sent["href"], headers=other)).status_code == 404
    assert (await client.get("/v1/messages", headers=other)).json()["items"] == []
    auditor = auth_headers(app, Role.AUDITOR)
    assert (await client.get("/v1/messages", headers=auditor)).status_code == 403


async def test_the_list_filters_and_pages_newest_first(client: httpx.AsyncClient) -> None:
    request = await answered_request(client)
    ids = [
        (await client.post(messages_path(request), json={**FOLLOW_UP, "text": f"Q{n}"})).json()[
            "id"
        ]
        for n in range(3)
    ]
    ours = {"request_id": request["id"], "direction": "outgoing", "limit": 2}
    first = (await client.get("/v1/messages", params=ours)).json()
    assert [m["id"] for m in first["items"]] == ids[:0:-1]
    rest = await client.get("/v1/messages", params={**ours, "cursor": first["next_cursor"]})
    assert [m["id"] for m in rest.json()["items"]] == ids[:1]
    assert rest.json()["next_cursor"] is None
    theirs = await client.get(
        "/v1/messages", params={"direction": "incoming", "request_id": request["id"]}
    )
    # The stub partner answers some of the questions: only answers, each to one of ours.
    assert {m["type"] for m in theirs.json()["items"]} <= {"answer"}
    assert {m["answers_id"] for m in theirs.json()["items"]} <= set(ids)
    bad = await client.get("/v1/messages", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_the_detail_reads_name_the_case_they_are_filed_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request = await answered_request(client)
    assert (await client.get(f"/v1/requests/{request['id']}")).json()["case"] is None
    case_id = await open_case(client, request_id=request["id"])
    shown = (await client.get(f"/v1/requests/{request['id']}")).json()["case"]
    assert (shown["id"], shown["reference"], shown["href"]) == (
        case_id,
        "NAT-2026-0077",
        f"/v1/cases/{case_id}",
    )
    inbound_id = await replied_inbound(app)
    linked = await client.post(f"/v1/cases/{case_id}/links", json={"inbound_id": inbound_id})
    assert linked.status_code == 200, linked.text
    assert (await client.get(f"/v1/inbound/{inbound_id}")).json()["case"]["id"] == case_id

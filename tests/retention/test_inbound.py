"""The retention purge of requests received from partners (retention/inbound.py)."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from oss_router.audit.service import Actor
from oss_router.audit.verify import verify
from oss_router.db import transaction
from oss_router.inbound.timeline import record_inbound_event
from oss_router.models import InboundEvent, InboundReply, InboundRequest, OutboxMessage
from oss_router.retention.inbound import purge_inbound_batch
from oss_router.unit_of_work import unit_of_work
from tests.inbound.conftest import T0, registration
from tests.support.audit import log_of

DPO = Actor.operator("operator:dpo")
SECRET = "the holder's address is Ulica Długa 5"


async def _answered_with_reply(
    app: FastAPI, http: httpx.AsyncClient, reference: str, reply_status: str = "delivered"
) -> str:
    created = (
        await http.post("/v1/inbound", json=registration(partner_reference=reference))
    ).json()
    inbound_id = uuid.UUID(created["id"])
    reply_id = uuid.uuid4()
    async with unit_of_work(app.state.runtime.sessions) as work:
        work.session.add(
            InboundReply(
                id=reply_id,
                inbound_id=inbound_id,
                channel="europol",
                type="answer",
                body={"outcome": "hit", "information": SECRET},
                status=reply_status,
                attempts=1,
                created_by="officer:sofia",
                created_at=T0,
                updated_at=T0,
            )
        )
        work.session.add(
            OutboxMessage(
                message_id=uuid.uuid4(),
                exchange="x",
                routing_key="europol",
                body=SECRET.encode(),
                headers={},
                reply_id=reply_id,
                created_at=T0,
            )
        )
        record_inbound_event(
            work,
            inbound_id=inbound_id,
            type="answered",
            actor="officer:sofia",
            at=T0,
            reply_id=reply_id,
            from_status="assigned",
            to_status="answered",
            detail={"outcome": "hit", "information": SECRET, "reply_type": "answer"},
        )
        await work.session.execute(
            update(InboundRequest)
            .where(InboundRequest.id == inbound_id)
            .values(status="answered", outcome="hit", updated_at=T0 - timedelta(days=40))
        )
    return created["id"]


async def _purge(app: FastAPI) -> list[uuid.UUID]:
    async with transaction(app.state.runtime.sessions) as session:
        return await purge_inbound_batch(session, older_than=timedelta(days=30), actor=DPO, now=T0)


async def test_a_closed_request_loses_its_personal_data(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    await http.post("/v1/inbound", json=registration(partner_reference="earlier"))
    inbound_id = await _answered_with_reply(app, http, "answered")
    assert await _purge(app) == [uuid.UUID(inbound_id)]
    read = (await http.get(f"/v1/inbound/{inbound_id}")).json()
    assert (read["subject"], read["purpose"], read["national_check"]) == (None, None, None)
    assert read["related"] == []
    assert read["replies"][0]["body"] is None
    assert read["purged_at"] is not None
    assert (read["status"], read["outcome"], read["requesting_country"]) == (
        "answered",
        "hit",
        "DE",
    )
    answered = next(event for event in read["events"] if event["type"] == "answered")
    assert answered["detail"] == {
        "outcome": "hit",
        "reply_type": "answer",
        "erased": ["information"],
    }
    async with app.state.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        row = await session.get(InboundRequest, uuid.UUID(inbound_id))
        assert row is not None
        assert row.subject_fingerprint == ""
        events = (await session.scalars(select(InboundEvent))).all()
        assert all(SECRET not in str(event.detail) for event in events)
        report = await verify(session)
    assert report.ok
    erasures = [e for e in await log_of(app) if e.action == "erasure"]
    assert [str(e.inbound_id) for e in erasures] == [inbound_id]
    assert SECRET not in str(erasures[0].detail)
    # The partner's same message, sent again, still finds the one registration.
    again = await http.post("/v1/inbound", json=registration(partner_reference="answered"))
    assert (again.status_code, again.json()["id"]) == (200, inbound_id)
    assert await _purge(app) == []  # purged once only


async def test_open_recent_or_still_replying_requests_are_kept(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    await http.post("/v1/inbound", json=registration(partner_reference="open"))
    replying = await _answered_with_reply(app, http, "replying", reply_status="sent")
    recent = await _answered_with_reply(app, http, "recent")
    async with app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(InboundRequest)
            .where(InboundRequest.id == uuid.UUID(recent))
            .values(updated_at=T0)
        )
    assert await _purge(app) == []
    kept: Any = (await http.get(f"/v1/inbound/{replying}")).json()
    assert kept["subject"] is not None

"""The retention purge takes ``search_text`` with the personal data: a purged request,
received request, or message of their threads is no longer found by what was erased."""

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from oss_router.audit.service import Actor
from oss_router.db import transaction
from oss_router.models import Dispatch, ExchangeMessage, ExchangeRequest, InboundRequest
from oss_router.retention.inbound import purge_inbound_batch
from oss_router.retention.service import purge_batch
from tests.search.conftest import T0, registration, request_body, store_message

DPO = Actor.operator("operator:dpo")
LONG_AGO = T0 - timedelta(days=400)


async def _found(http: httpx.AsyncClient, q: str) -> list[str]:
    response = await http.get("/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_purged_requests_and_their_messages_are_no_longer_found(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    subject = {"family_name": "Zieliński"}
    sent = (await http.post("/v1/requests", json=request_body(subject=subject))).json()["id"]
    received = (
        await http.post("/v1/inbound", json=registration(subject=subject, partner_reference="Z-1"))
    ).json()["id"]
    on_sent = await store_message(app, "Zieliński moved", T0, request_id=uuid.UUID(sent))
    on_received = await store_message(app, "Zieliński again", T0, inbound_id=uuid.UUID(received))
    kept = await store_message(app, "Zieliński elsewhere", T0)
    assert len(await _found(http, "zielinski")) == 5
    async with transaction(app.state.runtime.sessions) as session:
        await session.execute(
            update(ExchangeRequest).values(status="answered", updated_at=LONG_AGO)
        )
        await session.execute(update(Dispatch).values(status="answered"))
        await session.execute(update(InboundRequest).values(status="answered", updated_at=LONG_AGO))
    async with transaction(app.state.runtime.sessions) as session:
        assert await purge_batch(session, older_than=timedelta(days=30), actor=DPO, now=T0)
        assert await purge_inbound_batch(session, older_than=timedelta(days=30), actor=DPO, now=T0)
    assert await _found(http, "zielinski") == [str(kept)]
    async with app.state.runtime.sessions() as session:
        for model, row_id in (
            (ExchangeRequest, sent),
            (InboundRequest, received),
            (ExchangeMessage, str(on_sent)),
            (ExchangeMessage, str(on_received)),
        ):
            row = await session.get(model, uuid.UUID(row_id))
            assert row is not None
            assert row.search_text is None, model
        for row_id in (on_sent, on_received):
            message = await session.get(ExchangeMessage, row_id)
            assert message is not None
            assert (message.body, message.purged_at) == (None, T0)  # its text went too

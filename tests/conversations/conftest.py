"""Helpers of the conversation tests: an answered request through the embedded pipeline, a
dispatch moved into the state a test needs, a case, an upload."""

from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from oss_router.models import AuditEntry, Dispatch, ExchangeMessage
from tests.support import attachments as files
from tests.support.payloads import request_body
from tests.support.polling import until_terminal

CASE = {
    "title": "Vehicle smuggling ring, northern border",
    "reference": "NAT-2026-0077",
    "crime_area": "motor_vehicle_crime",
    "handling_code": "H1",
}


async def answered_request(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/requests", json=request_body(**overrides))
    assert response.status_code == 202, response.text
    final = await until_terminal(client, response.json()["id"])
    assert final["dispatches"][0]["status"] == "answered", final
    return dict(final)


def first_dispatch(request: dict[str, Any]) -> str:
    return str(request["dispatches"][0]["id"])


def messages_path(request: dict[str, Any], what: str = "messages") -> str:
    return f"/v1/requests/{request['id']}/dispatches/{first_dispatch(request)}/{what}"


async def set_dispatch(app: FastAPI, dispatch_id: str, **values: Any) -> None:
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Dispatch).where(Dispatch.id == UUID(dispatch_id)).values(**values)
        )
        await session.commit()


async def message_row(app: FastAPI, message_id: str) -> ExchangeMessage:
    async with app.state.runtime.sessions() as session:
        row = await session.get(ExchangeMessage, UUID(message_id))
        assert row is not None
        return row


async def audit_entries(app: FastAPI, action: str) -> list[AuditEntry]:
    async with app.state.runtime.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list((await session.scalars(query)).all())


async def upload(client: httpx.AsyncClient, **headers: str) -> str:
    response = await client.post(
        "/v1/attachments",
        files={"file": ("photo.png", files.png(), "image/png")},
        headers=headers or None,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def open_case(client: httpx.AsyncClient, **overrides: Any) -> str:
    response = await client.post("/v1/cases", json={**CASE, **overrides})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def past(now: datetime, hours: float) -> datetime:
    from datetime import timedelta

    return now - timedelta(hours=hours)

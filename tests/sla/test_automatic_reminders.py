"""The deadline watch's one automatic reminder (OSS_ROUTER_AUTOMATIC_REMINDERS): once per
overdue dispatch that still waits at the partner, never for Prüm, never when switched off."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway, runtime_of
from tests.support.payloads import request_body

from oss_router.config import Settings
from oss_router.models import Dispatch, ExchangeMessage
from oss_router.sla.watch import DeadlineWatch

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def gateway(
    settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with quiet_gateway(settings, clock) as pair:
        yield pair


def watch(app: FastAPI, clock: FrozenClock, *, automatic: bool = True) -> DeadlineWatch:
    runtime = runtime_of(app)
    return DeadlineWatch(
        runtime.sessions, runtime.broker, clock=clock, batch_size=2, automatic_reminders=automatic
    )


async def waiting_requests(app: FastAPI, http: httpx.AsyncClient, **overrides: Any) -> list[str]:
    """Requests whose dispatches reached the partner and wait for the answer."""
    ids = []
    for _ in range(3):
        response = await http.post("/v1/requests", json=request_body(**overrides))
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    async with runtime_of(app).sessions() as session:
        await session.execute(update(Dispatch).values(status="delivered"))
        await session.commit()
    return ids


async def reminders(app: FastAPI) -> list[ExchangeMessage]:
    async with runtime_of(app).sessions() as session:
        query = select(ExchangeMessage).where(ExchangeMessage.type == "reminder")
        return list((await session.scalars(query)).all())


async def test_each_overdue_dispatch_is_reminded_once(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    ids = await waiting_requests(app, http)
    clock.advance(days=30)
    events = await watch(app, clock).tick()
    assert sorted(e.request_id for e in events if e.type == "reminder") == sorted(ids)
    await watch(app, clock).tick()
    clock.advance(days=1)
    await watch(app, clock).tick()
    sent = await reminders(app)
    assert sorted(str(m.request_id) for m in sent) == sorted(ids)
    assert {m.created_by for m in sent} == {"system:deadline-watch"}
    detail = (await http.get(f"/v1/requests/{ids[0]}")).json()
    assert detail["dispatches"][0]["reminders"] == 1
    assert any(e["type"] == "message_queued" for e in detail["events"])


async def test_no_reminder_when_switched_off_or_answered_or_prum(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    await waiting_requests(app, http)
    clock.advance(days=30)
    await watch(app, clock, automatic=False).tick()
    assert await reminders(app) == []
    async with runtime_of(app).sessions() as session:
        await session.execute(update(Dispatch).values(status="answered"))
        await session.commit()
    await watch(app, clock).tick()
    assert await reminders(app) == []
    response = await http.post("/v1/requests", json=request_body("dna", target_countries=["DE"]))
    assert response.status_code == 202
    async with runtime_of(app).sessions() as session:
        await session.execute(
            update(Dispatch).where(Dispatch.channel == "prum").values(status="delivered")
        )
        await session.commit()
    clock.advance(days=30)
    await watch(app, clock).tick()
    assert await reminders(app) == []

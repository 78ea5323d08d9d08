"""The relay publishes what the gateway staged, and nothing staged is ever lost."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.broker.contract import Broker, BrokerError, OutgoingMessage
from oss_router.broker.topology import dispatch_queue
from oss_router.clock import utcnow
from oss_router.config import Settings
from oss_router.models import OutboxMessage
from oss_router.outbox.relay import Relay
from tests.support.apps import gateway_only
from tests.support.payloads import request_body
from tests.support.polling import until_terminal


class CrashAfterPublish:
    """A broker whose publish is confirmed, after which the relay process 'dies'."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        await self.inner.publish(messages)
        raise RuntimeError("relay killed between the confirm and the commit")


class BrokerDown:
    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        raise BrokerError("connection refused")


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with gateway_only(settings) as pair:
        yield pair


async def unpublished(app: FastAPI) -> int:
    async with app.state.runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.published_at.is_(None))
        )
        return len(rows.all())


def relay_for(app: FastAPI, broker: object | None = None, *, successor: bool = False) -> Relay:
    """A relay; a ``successor`` starts after the previous relay's lease ran out (on SQLite one
    relay holds a lease, and a relay that died keeps it until it expires)."""
    runtime = app.state.runtime
    clock = (lambda: utcnow() + timedelta(minutes=5)) if successor else utcnow
    return Relay(runtime.sessions, broker or runtime.broker, clock=clock)  # type: ignore[arg-type]


async def test_rows_staged_while_no_relay_runs_are_published_by_the_next_one(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    created = [
        (await client.post("/v1/requests", json=request_body(target_countries=[c]))).json()
        for c in ["FR", "ES"]
    ]
    assert await unpublished(app) == 2

    assert await relay_for(app).publish_pending() == 2

    assert await unpublished(app) == 0
    stats = await app.state.runtime.broker.queue_stats(dispatch_queue("europol"))
    assert stats.messages == 2
    for request in created:
        detail = (await client.get(f"/v1/requests/{request['id']}")).json()
        assert detail["status"] == "dispatched"
        assert detail["dispatches"][0]["status"] == "sent"


async def test_broker_down_keeps_rows_for_later(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = gateway
    response = await client.post("/v1/requests", json=request_body())
    assert response.status_code == 202  # intake does not depend on the broker

    with pytest.raises(BrokerError):
        await relay_for(app, BrokerDown()).publish_pending()
    assert await unpublished(app) == 1

    assert await relay_for(app, successor=True).publish_pending() == 1
    assert await unpublished(app) == 0


async def test_a_relay_dying_after_the_confirm_republishes_harmlessly(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = gateway
    request = (await client.post("/v1/requests", json=request_body())).json()
    runtime = app.state.runtime

    with pytest.raises(RuntimeError):
        await relay_for(app, CrashAfterPublish(runtime.broker)).publish_pending()
    assert await unpublished(app) == 1  # the mark was rolled back with the crash
    assert await relay_for(app, successor=True).publish_pending() == 1  # published again

    stats = await runtime.broker.queue_stats(dispatch_queue("europol"))
    assert stats.messages == 2
    await runtime.start_tracker()
    await runtime.start_workers(["europol"], {"OSS_ROUTER_ADAPTER_EUROPOL_LATENCY_MS": "0"})
    final = await until_terminal(client, request["id"])
    answered = [
        e
        for e in final["events"]
        if e["type"] == "dispatch_status" and e["to_status"] == "answered"
    ]
    assert len(answered) == 1


class CountingBroker:
    """Counts the publish calls (one per relay batch) and passes them on."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.calls: list[int] = []

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        self.calls.append(len(messages))
        await self.inner.publish(messages)


@pytest.mark.parametrize(("linger", "batches"), [(2.0, [2]), (0.0, [1, 1])])
async def test_woken_after_a_quiet_moment_the_relay_waits_for_more_rows(
    gateway: tuple[FastAPI, httpx.AsyncClient], linger: float, batches: list[int]
) -> None:
    """A request committed while the relay lingers after its wake-up shares the batch of the
    one that woke it (decision 0027); without the linger, the relay publishes the first at
    once (the second request is sent only once the first is published)."""
    app, client = gateway
    runtime = app.state.runtime
    broker = CountingBroker(runtime.broker)
    relay = Relay(runtime.sessions, broker, poll_seconds=30, linger_seconds=linger)  # type: ignore[arg-type]
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.05)  # the relay's first look finds nothing: it waits, quiet
        for country in ["FR", "ES"]:
            await client.post("/v1/requests", json=request_body(target_countries=[country]))
            relay.wakeup.set()  # as NOTIFY does when the request's transaction commits
            if not linger:
                await all_published(app)
        await all_published(app)
    finally:
        stop.set()
        await running
    assert broker.calls == batches


async def all_published(app: FastAPI) -> None:
    for _ in range(500):
        if not await unpublished(app):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("rows left unpublished")

"""The relay: confirmed publication, marking sent, broker outages, lease, SKIP LOCKED, NOTIFY."""

import asyncio
from collections import Counter
from typing import TypeVar, cast
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.broker.contract import Broker
from oss_router.broker.topology import dispatch_queue
from oss_router.clock import utcnow
from oss_router.messages.codes import Channel
from oss_router.messages.result import DispatchResult, result_message_id
from oss_router.models import ExchangeRequest
from oss_router.outbox.notify import OutboxListener
from oss_router.outbox.relay import Relay
from oss_router.runtime import Runtime
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work
from tests.outbox.conftest import FlakyBroker
from tests.support.auth import auth_headers
from tests.support.payloads import request_body
from tests.support.polling import eventually
from tests.support.staging import dispatch_statuses, load, stage_request

T = TypeVar("T")


async def queued_messages(broker: Broker) -> int:
    return sum([(await broker.queue_stats(dispatch_queue(c))).messages for c in Channel])


async def test_publishes_unpublished_rows_once_and_marks_dispatches_sent(
    runtime: Runtime,
) -> None:
    request = await stage_request(runtime, target_countries=["DE", "FR"])
    relay = Relay(runtime.sessions, runtime.broker)
    assert await relay.publish_pending() == 2
    assert await relay.publish_pending() == 0
    assert await dispatch_statuses(runtime, request.id) == ["sent", "sent"]
    assert await queued_messages(runtime.broker) == 2
    loaded, events = await load(runtime, request.id)
    assert loaded.status == "dispatched"
    assert [e.to_status for e in events if e.type == "dispatch_status"] == ["sent", "sent"]


async def test_rows_wait_in_the_outbox_while_the_broker_is_down(runtime: Runtime) -> None:
    flaky = FlakyBroker(runtime.broker)
    flaky.down = True
    relay = Relay(runtime.sessions, cast(Broker, flaky), poll_seconds=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        request = await stage_request(runtime)
        relay.wakeup.set()
        await eventually(lambda: _value(flaky.refused), lambda refused: refused >= 2)
        assert await dispatch_statuses(runtime, request.id) == ["queued"]
        flaky.down = False
        await eventually(lambda: dispatch_statuses(runtime, request.id), lambda s: s == ["sent"])
        assert len(flaky.published) == 1
    finally:
        stop.set()
        await running


async def _value(value: T) -> T:
    return value


async def test_on_sqlite_only_the_lease_holder_publishes(sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    first = Relay(runtime.sessions, runtime.broker, lease_seconds=60)
    second = Relay(runtime.sessions, runtime.broker, lease_seconds=60)
    await stage_request(runtime)
    assert await first.publish_pending() == 1
    await stage_request(runtime)
    assert await second.publish_pending() == 0
    await first.release_lease()
    assert await second.publish_pending() == 1
    assert await first.publish_pending() == 0  # the second one holds it now


@pytest.mark.postgres
async def test_on_postgres_concurrent_relays_publish_each_row_once(
    postgres_runtime: Runtime,
) -> None:
    runtime = postgres_runtime
    requests = [await stage_request(runtime, target_countries=["DE", "FR"]) for _ in range(60)]
    recorder = FlakyBroker(runtime.broker)
    relays = [
        Relay(runtime.sessions, cast(Broker, recorder), batch_size=7, poll_seconds=0.05)
        for _ in range(3)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:
        await eventually(
            lambda: _value(len(recorder.published)), lambda count: count >= 120, timeout=30
        )
        await asyncio.sleep(0.3)  # any double publication would show up by now
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    counts = Counter(message.message_id for message in recorder.published)
    assert len(counts) == 120
    assert set(counts.values()) == {1}
    for request in requests:
        assert await dispatch_statuses(runtime, request.id) == ["sent", "sent"]


@pytest.mark.postgres
async def test_on_postgres_a_commit_with_outbox_rows_wakes_listening_relays(
    postgres_runtime: Runtime,
) -> None:
    runtime = postgres_runtime
    wakeup, stop = asyncio.Event(), asyncio.Event()
    listener = OutboxListener(runtime.settings.database_url, wakeup)
    listening = asyncio.create_task(listener.run(stop))
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)
        wakeup.clear()  # the listener sets it once on connecting
        await stage_request(runtime)  # a transaction inserting outbox rows (the trigger)
        await asyncio.wait_for(wakeup.wait(), 10)
    finally:
        stop.set()
        await listening


@pytest.mark.postgres
async def test_on_postgres_a_relay_in_another_process_is_woken_by_the_gateway(
    postgres_runtime: Runtime,
) -> None:
    """The relay polls only once a minute here: NOTIFY from the API call must wake it."""
    runtime = postgres_runtime
    relay = Relay(runtime.sessions, runtime.broker, poll_seconds=60)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop, runtime.settings.database_url))
    try:
        listener = await eventually(lambda: _value(relay.listener), lambda found: found)
        await asyncio.wait_for(listener.listening.wait(), 10)
        app = create_app(runtime.settings, embedded=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = auth_headers(app, Role.OFFICER)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", headers=headers
            ) as client:
                response = await client.post("/v1/requests", json=request_body())
                assert response.status_code == 202, response.text
        request_id = UUID(response.json()["id"])
        await eventually(
            lambda: dispatch_statuses(runtime, request_id), lambda s: s == ["sent"], timeout=20
        )
    finally:
        stop.set()
        await running


async def _waiting_for_a_lock(runtime: Runtime) -> int:
    async with runtime.engine.connect() as connection:
        waiting = await connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return int(waiting.scalar_one())


@pytest.mark.postgres
async def test_on_postgres_the_relay_sees_an_answer_committed_while_it_waited_for_the_lock(
    postgres_runtime: Runtime,
) -> None:
    """The relay locks the request, then reads its dispatches: read in the locking statement
    (a join), they would come from the snapshot taken before the wait, and "sent" would
    overwrite the answer that the lock's holder committed meanwhile."""
    runtime = postgres_runtime
    request = await stage_request(runtime, target_countries=["DE"])
    answer = answered(request)
    relay = Relay(runtime.sessions, runtime.broker)
    async with unit_of_work(runtime.sessions) as uow:
        assert await apply_results(uow, [answer], utcnow())  # holds the request's lock
        publishing = asyncio.create_task(relay.publish_pending())
        await eventually(lambda: _waiting_for_a_lock(runtime), lambda count: count == 1)
    assert await publishing == 1
    loaded, events = await load(runtime, request.id)
    assert (loaded.status, loaded.dispatches[0].status) == ("answered", "answered")
    # The answer came first: the tracker recorded the "sent" it implies, the relay's is a no-op.
    assert [e.to_status for e in events if e.type == "dispatch_status"] == [
        "sent",
        "delivered",
        "answered",
    ]


def answered(request: ExchangeRequest) -> DispatchResult:
    dispatch = request.dispatches[0]
    return DispatchResult(
        message_id=result_message_id(dispatch.id, "answered"),
        request_id=request.id,
        dispatch_id=dispatch.id,
        correlation_id=str(request.id),
        channel=dispatch.channel,
        status="answered",
        outcome="no_hit",
        answer={"remarks": "No record found."},
        occurred_at=utcnow(),
        delivered_at=utcnow(),
    )

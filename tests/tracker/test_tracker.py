"""The tracker applies results in batches, each at most once, ignoring stale ones."""

import asyncio
import logging
from collections import Counter
from uuid import UUID

import pytest

from oss_router.broker.contract import Delivery, OutgoingMessage
from oss_router.broker.topology import (
    RESULTS_DEAD_QUEUE,
    RESULTS_EXCHANGE,
    RESULTS_KEY,
    RESULTS_QUEUE,
    STATUS_EXCHANGE,
)
from oss_router.clock import utcnow
from oss_router.messages.result import DispatchResult
from oss_router.messages.status import StatusNotice, StatusNotices
from oss_router.outbox.relay import Relay
from oss_router.runtime import Runtime
from oss_router.tracker.consumer import Tracker
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work
from tests.support.accounting import RANK
from tests.support.polling import eventually
from tests.support.results import result_for
from tests.support.staging import dispatch_statuses, load, stage_request


async def apply(runtime: Runtime, results: list[DispatchResult]) -> int:
    """As the tracker applies a batch: its timeline events recorded as rows."""
    async with unit_of_work(runtime.sessions, events_as_rows=True) as uow:
        return len(await apply_results(uow, results, utcnow()))


async def dispatch_events(runtime: Runtime, request_id: UUID) -> list[str]:
    _, events = await load(runtime, request_id)
    return [f"{e.from_status}>{e.to_status}" for e in events if e.type == "dispatch_status"]


async def test_a_batch_applies_each_message_once(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    delivered, answered = result_for(request, "delivered"), result_for(request, "answered")
    assert await apply(runtime, [delivered, delivered, answered]) == 2
    assert await apply(runtime, [delivered, answered]) == 0  # redelivered: nothing changes
    assert await dispatch_events(runtime, request.id) == [
        "queued>sent",
        "sent>delivered",
        "delivered>answered",
    ]
    loaded, _ = await load(runtime, request.id)
    assert loaded.status == "answered"
    assert loaded.dispatches[0].outcome == "no_hit"


async def test_an_answer_carrying_delivered_records_both_transitions(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    answered = result_for(request, "answered").model_copy(update={"delivered_at": utcnow()})
    assert await apply(runtime, [answered]) == 2
    assert await apply(runtime, [result_for(request, "delivered")]) == 0  # a late one: stale
    assert await dispatch_events(runtime, request.id) == [
        "queued>sent",
        "sent>delivered",
        "delivered>answered",
    ]
    _, events = await load(runtime, request.id)
    request_events = [
        f"{e.from_status}>{e.to_status}" for e in events if e.type == "request_status"
    ]
    assert request_events == ["queued>in_progress", "in_progress>answered"]


async def test_delivered_already_applied_is_not_recorded_twice(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    answered = result_for(request, "answered").model_copy(update={"delivered_at": utcnow()})
    assert await apply(runtime, [result_for(request, "delivered"), answered]) == 2
    assert await dispatch_events(runtime, request.id) == [
        "queued>sent",
        "sent>delivered",
        "delivered>answered",
    ]


async def test_a_reordered_message_changes_nothing(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    assert await apply(runtime, [result_for(request, "answered")]) == 1
    assert await apply(runtime, [result_for(request, "delivered")]) == 0
    assert await dispatch_events(runtime, request.id) == ["queued>sent", "sent>answered"]


async def test_results_of_many_requests_share_one_transaction(runtime: Runtime) -> None:
    requests = [await stage_request(runtime, target_countries=["DE", "FR"]) for _ in range(5)]
    results = [result_for(r, "answered", position) for r in requests for position in (0, 1)]
    assert await apply(runtime, results) == 10
    for request in requests:
        assert await dispatch_statuses(runtime, request.id) == ["answered", "answered"]


async def test_a_failure_keeps_its_error_and_attempts(runtime: Runtime) -> None:
    request = await stage_request(runtime)
    assert await apply(runtime, [result_for(request, "failed", attempts=3)]) == 1
    loaded, _ = await load(runtime, request.id)
    assert (loaded.status, loaded.dispatches[0].error) == ("failed", "permanent error: refused")
    assert loaded.dispatches[0].attempts == 3


async def test_an_event_recorded_as_a_row_is_written_even_when_no_row_changes(
    runtime: Runtime,
) -> None:
    request = await stage_request(runtime)
    assert await apply(runtime, [result_for(request, "answered")]) == 1
    # A failure after the answer changes no row; its "result_ignored" event is written alone.
    assert await apply(runtime, [result_for(request, "failed")]) == 0
    _, events = await load(runtime, request.id)
    assert [e.type for e in events][-3:] == ["dispatch_status", "request_status", "result_ignored"]


def published(result: DispatchResult) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=RESULTS_EXCHANGE,
        routing_key=RESULTS_KEY,
        body=result.model_dump_json().encode(),
        message_id=str(result.message_id),
    )


async def test_the_consumer_batches_acks_and_announces(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="oss_router")
    requests = [await stage_request(runtime) for _ in range(40)]
    notices: list[StatusNotice] = []

    async def listen(delivery: Delivery) -> None:
        notices.extend(StatusNotices.model_validate_json(delivery.body).notices)
        await delivery.ack()

    await runtime.broker.subscribe(STATUS_EXCHANGE, listen)
    results = [result_for(r, s) for r in requests for s in ("delivered", "answered")]
    await runtime.broker.publish([published(result) for result in results])
    await runtime.broker.publish([published(results[0])])  # a duplicate, as after a redelivery
    tracker = Tracker(runtime.sessions, runtime.broker, batch_size=25)
    consumer = await tracker.start()
    try:
        await eventually(lambda: _stats(runtime), lambda count: count == 0)
        await eventually(lambda: _len(notices), lambda count: count == 80)
    finally:
        await consumer.cancel(grace_seconds=5)
    assert tracker.batches < len(results)  # batched, not one transaction per message
    for request in requests:
        assert await dispatch_statuses(runtime, request.id) == ["answered"]
    assert Counter(n.dispatch_status for n in notices) == {"delivered": 40, "answered": 40}
    # at INFO, applied results write no line (the hot path); the ignored duplicate does
    lines = [r.getMessage() for r in caplog.records if r.name == "oss_router.tracker.consumer"]
    assert lines == [
        f"tracker: dispatch {results[0].dispatch_id} delivered ignored (duplicate or stale)"
    ]
    # each notice tells the request status its own transition produced, even within a batch
    assert {(n.dispatch_status, n.request_status) for n in notices} == {
        ("delivered", "in_progress"),
        ("answered", "answered"),
    }


async def _stats(runtime: Runtime) -> int:
    stats = await runtime.broker.queue_stats(RESULTS_QUEUE)
    return stats.messages


async def _len(items: list[StatusNotice]) -> int:
    return len(items)


async def test_a_malformed_result_is_dead_lettered(runtime: Runtime) -> None:
    tracker = Tracker(runtime.sessions, runtime.broker)
    consumer = await tracker.start()
    try:
        await runtime.broker.publish(
            [OutgoingMessage(RESULTS_EXCHANGE, RESULTS_KEY, b'{"not": "a result"}', "bad-1")]
        )
        await eventually(
            lambda: runtime.broker.queue_stats(RESULTS_DEAD_QUEUE), lambda s: s.messages == 1
        )
    finally:
        await consumer.cancel()


@pytest.mark.postgres
async def test_concurrent_trackers_and_relay_never_apply_twice_or_lose_an_answer(
    postgres_runtime: Runtime,
) -> None:
    """Two trackers receive the same results (as after redeliveries) while the relay marks the
    same dispatches sent: every dispatch ends answered, each transition recorded once."""
    runtime = postgres_runtime
    requests = [await stage_request(runtime, target_countries=["DE", "FR"]) for _ in range(30)]
    results = [
        result_for(r, status, position)
        for r in requests
        for position in (0, 1)
        for status in ("delivered", "answered")
    ]
    relay = Relay(runtime.sessions, runtime.broker, batch_size=10)

    async def relay_all() -> None:
        while await relay.publish_pending():
            pass

    await asyncio.gather(
        apply(runtime, results), apply(runtime, list(reversed(results))), relay_all()
    )
    for request in requests:
        _, events = await load(runtime, request.id)
        for dispatch in request.dispatches:
            chain = [
                e.to_status
                for e in events
                if e.type == "dispatch_status" and e.dispatch_id == dispatch.id
            ]
            ranks = [RANK[status] for status in chain]
            assert ranks == sorted(set(ranks)), chain  # strictly forward, nothing twice
            assert chain[-1] == "answered", chain


@pytest.mark.parametrize(("idle_linger", "batches"), [(2.0, 1), (0.0, 2)])
async def test_after_a_quiet_moment_a_result_waits_for_company(
    runtime: Runtime, idle_linger: float, batches: int
) -> None:
    """A result arriving while the first one after a quiet moment lingers shares its
    transaction (decision 0027); without the idle linger the first is applied at once (the
    second is sent only once the first is acknowledged)."""
    first, second = await stage_request(runtime), await stage_request(runtime)
    tracker = Tracker(runtime.sessions, runtime.broker, idle_linger_seconds=idle_linger)
    consumer = await tracker.start()
    try:
        await runtime.broker.publish([published(result_for(first, "answered"))])
        if idle_linger:
            await asyncio.sleep(0.1)  # far more than the 2 ms of an ordinary linger
        else:
            await eventually(lambda: _batches(tracker), lambda count: count == 1)
        await runtime.broker.publish([published(result_for(second, "answered"))])
        await eventually(lambda: _batches(tracker), lambda count: count >= batches)
    finally:
        await consumer.cancel(grace_seconds=5)
    assert tracker.batches == batches
    for request in (first, second):
        assert await dispatch_statuses(runtime, request.id) == ["answered"]


async def _batches(tracker: Tracker) -> int:
    return tracker.batches

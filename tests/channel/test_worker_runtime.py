"""The worker runtime on the in-process broker: answers, retries, failures, graceful stop."""

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from tests.support.polling import eventually

from oss_router.broker.contract import Consumer, Delivery, OutgoingMessage
from oss_router.broker.memory import MemoryBroker
from oss_router.broker.topology import (
    DISPATCH_EXCHANGE,
    RESULTS_QUEUE,
    build_topology,
    dead_letter_queue,
    dispatch_queue,
)
from oss_router.channel.registry import load_adapters
from oss_router.channel.worker import ChannelWorker
from oss_router.messages.codes import Channel
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.result import DispatchResult

CHANNEL = Channel.PCCC
DELAYS_MS = [20, 40]


@dataclass
class Setup:
    broker: MemoryBroker
    worker: ChannelWorker
    consumer: Consumer
    results: list[DispatchResult]


@pytest.fixture
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    options = getattr(request, "param", {})
    broker = MemoryBroker()
    await broker.connect()
    await broker.declare(build_topology([CHANNEL], DELAYS_MS))
    results: list[DispatchResult] = []

    async def record(delivery: Delivery) -> None:
        results.append(DispatchResult.model_validate_json(delivery.body))
        await delivery.ack()

    await broker.consume(RESULTS_QUEUE, record, prefetch=100)
    adapter = load_adapters([CHANNEL], {"OSS_ROUTER_ADAPTER_PCCC_LATENCY_MS": "0"})[CHANNEL]
    worker = ChannelWorker(
        adapter,
        broker,
        max_attempts=options.get("max_attempts", 4),
        timeout_seconds=options.get("timeout", 5.0),
        delivered_report_seconds=0.05,
        retry_delays_ms=DELAYS_MS,
    )
    consumer = await worker.start()
    try:
        yield Setup(broker, worker, consumer, results)
    finally:
        await broker.close()


def envelope(reference: str | None = None) -> DispatchEnvelope:
    now = datetime.now(UTC)
    request_id = uuid4()
    return DispatchEnvelope(
        message_id=uuid4(),
        request_id=request_id,
        dispatch_id=uuid4(),
        correlation_id=str(request_id),
        channel=CHANNEL,
        country="DE",
        kind="vehicle",
        subject={"vin": "WVWZZZ1JZXW000001"},
        purpose="Investigation of a vehicle theft ring",
        urgency="normal",
        handling_code="H0",
        crime_area="other",
        reference=reference,
        due_at=now + timedelta(days=7),
        created_at=now,
    )


async def send(setup: Setup, sent: DispatchEnvelope) -> None:
    await setup.broker.publish(
        [
            OutgoingMessage(
                exchange=DISPATCH_EXCHANGE,
                routing_key=str(CHANNEL),
                body=sent.model_dump_json().encode(),
                message_id=str(sent.message_id),
                headers={"x-oss-attempt": 1},
            )
        ]
    )


async def final(setup: Setup) -> DispatchResult:
    terminal = await eventually(
        lambda: _terminal(setup.results), lambda found: found is not None, timeout=10
    )
    assert isinstance(terminal, DispatchResult)
    return terminal


async def _terminal(results: list[DispatchResult]) -> DispatchResult | None:
    return next((r for r in results if r.status in {"answered", "failed"}), None)


async def dead_letters(setup: Setup) -> int:
    return (await setup.broker.queue_stats(dead_letter_queue(CHANNEL))).messages


async def test_a_quick_answer_carries_delivered_in_one_message(setup: Setup) -> None:
    await send(setup, envelope())
    answer = await final(setup)
    assert answer.status == "answered"
    assert answer.attempts == 1
    assert [r.status for r in setup.results] == ["answered"]
    assert answer.delivered_at is not None
    assert answer.delivered_at <= answer.occurred_at


async def test_a_slow_channel_gets_delivered_reported_first(setup: Setup) -> None:
    await send(setup, envelope("stub:slow=300"))
    answer = await final(setup)
    assert [r.status for r in setup.results] == ["delivered", "answered"]
    assert answer.delivered_at is None  # already reported on its own


@pytest.mark.parametrize("setup", [{"max_attempts": 1}], indirect=True)
async def test_a_quick_failure_carries_delivered_too(setup: Setup) -> None:
    await send(setup, envelope("stub:retriable=1"))
    failure = await final(setup)
    assert [r.status for r in setup.results] == ["failed"]
    assert failure.delivered_at is not None


async def test_an_answered_dispatch_writes_no_info_line_and_debug_follows_it(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """The hot path logs per dispatch at DEBUG only (the system test checks their correlation
    id in every process's log)."""
    with caplog.at_level(logging.INFO, logger="oss_router"):
        await send(setup, envelope())
        await final(setup)
    assert [r for r in caplog.records if r.name == "oss_router.channel.worker"] == []
    setup.results.clear()
    sent = envelope()
    with caplog.at_level(logging.DEBUG, logger="oss_router.channel.worker"):
        await send(setup, sent)
        await final(setup)
    lines = [r for r in caplog.records if r.name == "oss_router.channel.worker"]
    assert len(lines) == 2
    assert all(str(sent.dispatch_id) in r.getMessage() for r in lines)


async def test_transient_failures_are_retried_through_the_delay_tiers(setup: Setup) -> None:
    await send(setup, envelope("stub:retriable=2"))
    answer = await final(setup)
    assert (answer.status, answer.attempts) == ("answered", 3)
    assert await dead_letters(setup) == 0
    # the "delivered" report of each attempt has the same message id: applied once downstream
    assert len({r.message_id for r in setup.results if r.status == "delivered"}) == 1


async def test_a_permanent_failure_fails_at_once_and_is_dead_lettered(setup: Setup) -> None:
    await send(setup, envelope("stub:permanent"))
    failure = await final(setup)
    assert (failure.status, failure.attempts) == ("failed", 1)
    assert failure.error is not None
    assert failure.error.startswith("permanent error")
    await eventually(lambda: dead_letters(setup), lambda count: count == 1)


@pytest.mark.parametrize("setup", [{"max_attempts": 3}], indirect=True)
async def test_exhausted_retries_fail_with_the_reason_and_are_dead_lettered(setup: Setup) -> None:
    await send(setup, envelope("stub:retriable=10"))
    failure = await final(setup)
    assert (failure.status, failure.attempts) == ("failed", 3)
    assert failure.error is not None
    assert "gave up after 3 attempts" in failure.error
    await eventually(lambda: dead_letters(setup), lambda count: count == 1)


@pytest.mark.parametrize("setup", [{"max_attempts": 2, "timeout": 0.05}], indirect=True)
async def test_an_adapter_that_does_not_answer_in_time_is_retried_then_failed(
    setup: Setup,
) -> None:
    await send(setup, envelope("stub:slow=5000"))
    failure = await final(setup)
    assert failure.status == "failed"
    assert failure.error is not None
    assert "did not answer within 0.05 s" in failure.error


async def test_a_malformed_envelope_is_dead_lettered(setup: Setup) -> None:
    await setup.broker.publish(
        [OutgoingMessage(DISPATCH_EXCHANGE, str(CHANNEL), b"{}", "broken-1")]
    )
    await eventually(lambda: dead_letters(setup), lambda count: count == 1)
    assert setup.results == []


async def test_graceful_stop_finishes_in_flight_work_and_acks_it(setup: Setup) -> None:
    await send(setup, envelope("stub:slow=200"))
    await eventually(lambda: _value(setup.worker.in_flight), lambda count: count == 1)
    await setup.consumer.cancel(grace_seconds=10)
    assert [r.status for r in setup.results] == ["delivered", "answered"]
    assert (await setup.broker.queue_stats(dispatch_queue(CHANNEL))).messages == 0


async def test_stop_without_grace_puts_in_flight_work_back(setup: Setup) -> None:
    await send(setup, envelope("stub:slow=5000"))
    await eventually(lambda: _value(len(setup.results)), lambda count: count == 1)
    await setup.consumer.cancel(grace_seconds=0)
    await asyncio.sleep(0)
    assert [r.status for r in setup.results] == ["delivered"]
    assert (await setup.broker.queue_stats(dispatch_queue(CHANNEL))).messages == 1


async def _value(value: int) -> int:
    return value

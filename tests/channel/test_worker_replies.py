"""Replies to partners and simulation orders on a channel's queue, and the receive loop, on the
in-process broker: the reply path reuses the dispatch path's retries, dead letters and ids."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from tests.support.polling import eventually

from oss_router.broker.contract import Delivery, OutgoingMessage, PublishError
from oss_router.broker.memory import MemoryBroker
from oss_router.broker.topology import (
    DISPATCH_EXCHANGE,
    INBOUND_QUEUE,
    RESULTS_QUEUE,
    build_topology,
    dead_letter_queue,
)
from oss_router.channel.contract import (
    AdapterAnswer,
    PermanentChannelError,
    ReceivingAdapter,
    ReplyReceipt,
    RetriableChannelError,
)
from oss_router.channel.receiving import ChannelReceiver
from oss_router.channel.registry import load_adapters
from oss_router.channel.worker import ChannelWorker
from oss_router.messages.codes import Channel, HandlingCode, ReplyType
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.inbound import (
    MESSAGE_TYPE_HEADER,
    REPLY_RESULT_TYPE,
    PartnerMessage,
    ReplyEnvelope,
    ReplyResult,
    reply_result_message_id,
)
from oss_router.simulation.orders import new_order, publish_order
from oss_router_adapters.stub import StubAdapter

CHANNEL = Channel.SIRENE
DELAYS_MS = [20, 40]


@dataclass
class FlakyPartner:
    """A receiving adapter whose ``reply`` fails as told: ``retriable`` times, or for good."""

    retriable: int = 0
    permanent: bool = False
    calls: list[UUID] = field(default_factory=list)
    channel: Channel = CHANNEL

    async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
        raise PermanentChannelError("not used")

    async def health(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None

    async def receive(self, limit: int, *, wait_seconds: float) -> Sequence[PartnerMessage]:
        await asyncio.sleep(wait_seconds)
        return []

    async def acknowledge(self, message_ids: Sequence[UUID]) -> None:
        return None

    async def reply(self, envelope: ReplyEnvelope) -> ReplyReceipt:
        self.calls.append(envelope.reply_id)
        if self.permanent:
            raise PermanentChannelError("no such partner reference")
        if len(self.calls) <= self.retriable:
            raise RetriableChannelError("partner system busy")
        return ReplyReceipt(partner_message_reference=f"ACK-{len(self.calls)}")


@dataclass
class Setup:
    broker: MemoryBroker
    results: list[tuple[dict[str, Any], bytes]]

    async def worker(self, adapter: Any, max_attempts: int = 4) -> ChannelWorker:
        worker = ChannelWorker(
            adapter, self.broker, max_attempts=max_attempts, retry_delays_ms=DELAYS_MS
        )
        await worker.start()
        return worker

    def reply_results(self) -> list[ReplyResult]:
        return [
            ReplyResult.model_validate_json(body)
            for headers, body in self.results
            if headers.get(MESSAGE_TYPE_HEADER) == REPLY_RESULT_TYPE
        ]


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    broker = MemoryBroker()
    await broker.connect()
    await broker.declare(build_topology([CHANNEL], DELAYS_MS))
    results: list[tuple[dict[str, Any], bytes]] = []

    async def record(delivery: Delivery) -> None:
        results.append((dict(delivery.headers), delivery.body))
        await delivery.ack()

    await broker.consume(RESULTS_QUEUE, record, prefetch=100)
    try:
        yield Setup(broker, results)
    finally:
        await broker.close()


def reply_envelope(reply_type: ReplyType = ReplyType.ANSWER) -> ReplyEnvelope:
    return ReplyEnvelope(
        message_id=uuid4(),
        reply_id=uuid4(),
        inbound_id=uuid4(),
        correlation_id="inbound-1",
        channel=CHANNEL,
        country="DE",
        partner_reference="SIRENE-DE-000000000001",
        reply_type=reply_type,
        body={"outcome": "no_hit"},
        handling_code=HandlingCode.H0,
        created_at=datetime.now(UTC),
    )


async def stage(setup: Setup, envelope: ReplyEnvelope, copies: int = 1) -> None:
    message = OutgoingMessage(
        exchange=DISPATCH_EXCHANGE,
        routing_key=str(CHANNEL),
        body=envelope.model_dump_json().encode(),
        message_id=str(envelope.message_id),
        headers={MESSAGE_TYPE_HEADER: "reply", "x-oss-attempt": 1},
    )
    await setup.broker.publish([message] * copies)


def stub(**config: str) -> StubAdapter:
    environ = {f"OSS_ROUTER_ADAPTER_SIRENE_{key.upper()}": value for key, value in config.items()}
    adapter = load_adapters([CHANNEL], {"OSS_ROUTER_ADAPTER_SIRENE_LATENCY_MS": "0", **environ})
    assert isinstance(adapter[CHANNEL], StubAdapter)
    return adapter[CHANNEL]


async def test_a_reply_is_delivered_and_reported_with_the_partners_receipt(setup: Setup) -> None:
    adapter = stub()
    await setup.worker(adapter)
    sent = reply_envelope()
    await stage(setup, sent)
    (result,) = await eventually(setup_results(setup), lambda found: len(found) == 1)
    assert (result.status, result.reply_id, result.attempts) == ("delivered", sent.reply_id, 1)
    assert result.message_id == reply_result_message_id(sent.reply_id, "delivered")
    assert result.partner_message_reference is not None
    assert result.partner_message_reference.startswith("SIRENE-ACK-")


async def test_a_reply_delivered_twice_reaches_the_partner_once_with_one_result_id(
    setup: Setup,
) -> None:
    adapter = stub()
    await setup.worker(adapter)
    sent = reply_envelope()
    await stage(setup, sent, copies=2)  # a redelivery, as after a worker's crash
    results = await eventually(setup_results(setup), lambda found: len(found) == 2)
    assert len({result.message_id for result in results}) == 1  # the tracker applies it once
    assert len({result.partner_message_reference for result in results}) == 1
    assert adapter.partner.duplicate_replies == 1


async def test_a_busy_partner_gets_the_reply_through_the_retry_tiers(setup: Setup) -> None:
    partner = FlakyPartner(retriable=2)
    await setup.worker(partner)
    await stage(setup, reply_envelope())
    (result,) = await eventually(setup_results(setup), lambda found: len(found) == 1)
    assert (result.status, result.attempts) == ("delivered", 3)
    assert len(partner.calls) == 3


async def test_a_refused_reply_is_reported_failed_and_dead_lettered(setup: Setup) -> None:
    await setup.worker(FlakyPartner(permanent=True))
    await stage(setup, reply_envelope())
    (result,) = await eventually(setup_results(setup), lambda found: len(found) == 1)
    assert result.status == "failed"
    assert result.error is not None
    assert result.error.startswith("permanent error")
    await eventually(
        lambda: setup.broker.queue_stats(dead_letter_queue(CHANNEL)), lambda s: s.messages == 1
    )


async def test_exhausted_reply_retries_fail_with_the_reason(setup: Setup) -> None:
    await setup.worker(FlakyPartner(retriable=99), max_attempts=2)
    await stage(setup, reply_envelope())
    (result,) = await eventually(setup_results(setup), lambda found: len(found) == 1)
    assert (result.status, result.attempts) == ("failed", 2)
    assert result.error is not None
    assert "gave up after 2 attempts" in result.error


async def test_a_channel_of_contract_version_1_fails_a_reply_saying_why(setup: Setup) -> None:
    class SendOnly:
        channel = CHANNEL

        async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
            raise PermanentChannelError("not used")

        async def health(self) -> bool:
            return True

        async def aclose(self) -> None:
            return None

    assert not isinstance(SendOnly(), ReceivingAdapter)
    await setup.worker(SendOnly())
    await stage(setup, reply_envelope())
    (result,) = await eventually(setup_results(setup), lambda found: len(found) == 1)
    assert result.status == "failed"
    assert result.error is not None
    assert "contract version 1" in result.error


async def test_a_simulation_order_makes_the_stub_partner_send_through_the_receive_loop(
    setup: Setup,
) -> None:
    adapter = stub()
    await setup.worker(adapter)
    received: list[PartnerMessage] = []

    async def register(delivery: Delivery) -> None:
        received.append(PartnerMessage.model_validate_json(delivery.body))
        await delivery.ack()

    await setup.broker.consume(INBOUND_QUEUE, register, prefetch=10)
    receiver = ChannelReceiver(adapter, setup.broker, wait_seconds=5)
    stop = asyncio.Event()
    loop = asyncio.create_task(receiver.run(stop))
    try:
        order = new_order(CHANNEL, 7, urgent=True, now=datetime.now(UTC))
        await publish_order(setup.broker, order)
        await publish_order(setup.broker, order)  # the same order again: the same requests
        await eventually(lambda: _value(len(received)), lambda count: count >= 7)
        await asyncio.sleep(0.1)
    finally:
        stop.set()
        await loop
    assert len(received) == 7
    assert {message.urgency for message in received} == {"urgent"}
    assert all(message.channel is CHANNEL and message.sis_alert_id for message in received)
    assert len({message.partner_reference for message in received}) == 7
    assert receiver.received == 7
    assert await adapter.receive(10, wait_seconds=0) == []  # all acknowledged


async def test_the_receive_loop_waits_on_the_channel_at_rest(setup: Setup) -> None:
    """At rest one pending receive per channel: no polling round trips."""
    adapter = stub()
    receiver = ChannelReceiver(adapter, setup.broker, wait_seconds=0.2)
    stop = asyncio.Event()
    loop = asyncio.create_task(receiver.run(stop))
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.wait_for(loop, 1)  # a stop does not wait for the pending receive
    assert 4 <= receiver.polls <= 7  # one per wait period, not a busy loop
    assert receiver.received == 0


async def test_messages_not_published_stay_at_the_channel_and_come_again(setup: Setup) -> None:
    adapter = stub(visibility_seconds="0.1")
    order = new_order(CHANNEL, 3, urgent=False, now=datetime.now(UTC))
    await adapter.simulate(order)
    failing = FailingBroker(setup.broker, failures=1)
    receiver = ChannelReceiver(adapter, failing, wait_seconds=0.5, idle_max_seconds=0.05)  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.create_task(receiver.run(stop))
    await eventually(lambda: _value(receiver.received), lambda count: count == 3)
    stop.set()
    await loop
    assert failing.failures == 0
    assert (await setup.broker.queue_stats(INBOUND_QUEUE)).messages == 3


class FailingBroker:
    def __init__(self, broker: MemoryBroker, failures: int) -> None:
        self._broker = broker
        self.failures = failures

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        if self.failures:
            self.failures -= 1
            raise PublishError("no confirm (test)")
        await self._broker.publish(messages)


def setup_results(setup: Setup) -> Any:
    async def probe() -> list[ReplyResult]:
        return setup.reply_results()

    return probe


async def _value(value: int) -> int:
    return value

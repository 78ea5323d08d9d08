"""Messages of conversations on a channel's queue, on the in-process broker: the message path
is the reply path (retries, dead letters, deterministic result ids), ending in
``send_message`` and a ``MessageResult`` with header ``message-result``."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from tests.support.polling import eventually

from oss_router.broker.contract import Delivery, OutgoingMessage
from oss_router.broker.memory import MemoryBroker
from oss_router.broker.topology import (
    DISPATCH_EXCHANGE,
    RESULTS_QUEUE,
    build_topology,
    dead_letter_queue,
)
from oss_router.channel.contract import (
    AdapterAnswer,
    ConversingAdapter,
    PermanentChannelError,
    ReplyReceipt,
    RetriableChannelError,
)
from oss_router.channel.worker import ChannelWorker
from oss_router.messages.codes import Channel, HandlingCode, MessageType
from oss_router.messages.conversation import (
    MESSAGE_RESULT_TYPE,
    MessageEnvelope,
    MessageResult,
    message_result_message_id,
)
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER, PartnerMessage, ReplyEnvelope

CHANNEL = Channel.EUROPOL
DELAYS_MS = [20, 40]


@dataclass
class Partner:
    """A conversing adapter whose ``send_message`` fails as told."""

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
        return []

    async def acknowledge(self, message_ids: Sequence[UUID]) -> None:
        return None

    async def reply(self, envelope: ReplyEnvelope) -> ReplyReceipt:
        raise PermanentChannelError("not used")

    async def send_message(self, envelope: MessageEnvelope) -> ReplyReceipt:
        self.calls.append(envelope.exchange_message_id)
        if self.permanent:
            raise PermanentChannelError("unknown case reference")
        if len(self.calls) <= self.retriable:
            raise RetriableChannelError("partner system busy")
        return ReplyReceipt(partner_message_reference=f"MSG-{len(self.calls)}")


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

    async def message_results(self) -> list[MessageResult]:
        return [
            MessageResult.model_validate_json(body)
            for headers, body in self.results
            if headers.get(MESSAGE_TYPE_HEADER) == MESSAGE_RESULT_TYPE
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


def envelope() -> MessageEnvelope:
    return MessageEnvelope(
        message_id=uuid4(),
        exchange_message_id=uuid4(),
        correlation_id="request-1",
        channel=CHANNEL,
        country="DE",
        type=MessageType.FOLLOW_UP,
        dispatch_id=uuid4(),
        our_reference="our-ref",
        handling_code=HandlingCode.H0,
        text="Has the vehicle been seen since?",
        created_at=datetime.now(UTC),
    )


async def stage(setup: Setup, sent: MessageEnvelope, copies: int = 1) -> None:
    message = OutgoingMessage(
        exchange=DISPATCH_EXCHANGE,
        routing_key=str(CHANNEL),
        body=sent.model_dump_json().encode(),
        message_id=str(sent.message_id),
        headers={MESSAGE_TYPE_HEADER: "message", "x-oss-attempt": 1},
    )
    await setup.broker.publish([message] * copies)


async def test_a_message_is_delivered_and_reported_with_the_partners_receipt(
    setup: Setup,
) -> None:
    partner = Partner()
    assert isinstance(partner, ConversingAdapter)
    await setup.worker(partner)
    sent = envelope()
    await stage(setup, sent)
    (result,) = await eventually(setup.message_results, lambda found: len(found) == 1)
    assert (result.status, result.exchange_message_id, result.attempts) == (
        "delivered",
        sent.exchange_message_id,
        1,
    )
    assert result.message_id == message_result_message_id(sent.exchange_message_id, "delivered")
    assert result.partner_message_reference == "MSG-1"


async def test_a_busy_partner_gets_the_message_through_the_retry_tiers(setup: Setup) -> None:
    partner = Partner(retriable=2)
    await setup.worker(partner)
    await stage(setup, envelope())
    (result,) = await eventually(setup.message_results, lambda found: len(found) == 1)
    assert (result.status, result.attempts) == ("delivered", 3)
    assert len(partner.calls) == 3


async def test_a_refused_message_is_reported_failed_and_dead_lettered(setup: Setup) -> None:
    await setup.worker(Partner(permanent=True))
    await stage(setup, envelope())
    (result,) = await eventually(setup.message_results, lambda found: len(found) == 1)
    assert result.status == "failed"
    assert result.error == "permanent error: unknown case reference"
    await eventually(
        lambda: setup.broker.queue_stats(dead_letter_queue(CHANNEL)), lambda s: s.messages == 1
    )


async def test_an_adapter_that_cannot_converse_fails_the_message_saying_why(
    setup: Setup,
) -> None:
    class RepliesOnly(Partner):
        send_message = None  # type: ignore[assignment]

    adapter = RepliesOnly()
    assert not isinstance(adapter, ConversingAdapter)
    await setup.worker(adapter)
    await stage(setup, envelope())
    (result,) = await eventually(setup.message_results, lambda found: len(found) == 1)
    assert result.status == "failed"
    assert result.error is not None
    assert "contract version 3" in result.error


async def test_a_malformed_message_is_dead_lettered_without_a_result(setup: Setup) -> None:
    await setup.worker(Partner())
    await setup.broker.publish(
        [
            OutgoingMessage(
                exchange=DISPATCH_EXCHANGE,
                routing_key=str(CHANNEL),
                body=b'{"schema_version": 1, "text": "no ids"}',
                message_id=str(uuid4()),
                headers={MESSAGE_TYPE_HEADER: "message"},
            )
        ]
    )
    await eventually(
        lambda: setup.broker.queue_stats(dead_letter_queue(CHANNEL)), lambda s: s.messages == 1
    )
    assert await setup.message_results() == []

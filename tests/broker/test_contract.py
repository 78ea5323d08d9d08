"""The broker contract (broker/contract.py), proven on the in-process broker and on RabbitMQ."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from oss_router.broker.contract import Broker, BrokerError, Delivery, OutgoingMessage, PublishError
from oss_router.broker.topology import (
    DISPATCH_EXCHANGE,
    RETRY_EXCHANGE,
    Binding,
    ExchangeSpec,
    QueueSpec,
    Topology,
    build_topology,
    dispatch_queue,
    retry_routing_key,
)
from oss_router.messages.codes import Channel

WAIT = 10.0  # seconds a test waits for something that should happen at once


@dataclass(frozen=True)
class Names:
    prefix: str

    @property
    def work(self) -> str:
        return f"{self.prefix}.work"

    @property
    def dead(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def retry(self) -> str:
        return f"{self.prefix}.retry"

    @property
    def fan(self) -> str:
        return f"{self.prefix}.fan"


def small_topology(names: Names, *, delivery_limit: int = 3, ttl_ms: int = 100) -> Topology:
    """A work queue dead-lettering to a dead queue, a TTL tier back to work, a fan-out."""
    return Topology(
        exchanges=(
            ExchangeSpec(names.work),
            ExchangeSpec(names.dead),
            ExchangeSpec(names.retry),
            ExchangeSpec(names.fan, "fanout"),
        ),
        queues=(
            QueueSpec(
                names.work,
                dead_letter_exchange=names.dead,
                dead_letter_routing_key="work",
                delivery_limit=delivery_limit,
            ),
            QueueSpec(names.dead),
            QueueSpec(
                names.retry,
                message_ttl_ms=ttl_ms,
                dead_letter_exchange=names.work,
                dead_letter_routing_key="work",
            ),
        ),
        bindings=(
            Binding(names.work, names.work, "work"),
            Binding(names.dead, names.dead, "work"),
            Binding(names.retry, names.retry, "later"),
        ),
    )


@pytest.fixture
async def names(broker: Broker, prefix: str) -> Names:
    names = Names(prefix)
    await broker.declare(small_topology(names))
    return names


def message(exchange: str, key: str = "work", number: int = 0, **extra: object) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=exchange,
        routing_key=key,
        body=f'{{"n": {number}}}'.encode(),
        message_id=f"m-{number}",
        headers={"x-oss-attempt": 1, "x-note": "kept"},
        correlation_id=f"c-{number}",
        **extra,  # type: ignore[arg-type]
    )


@dataclass
class Recorder:
    """A handler that records deliveries and settles them as told.

    Without ``settle`` it holds each delivery until cancelled (a handler that returned without
    settling would have its delivery put back at once).
    """

    settle: Callable[[Delivery], Awaitable[None]] | None = None
    seen: asyncio.Queue[Delivery] = field(default_factory=asyncio.Queue)

    async def __call__(self, delivery: Delivery) -> None:
        await self.seen.put(delivery)
        if self.settle is not None:
            await self.settle(delivery)
            return
        while not delivery.settled:
            await asyncio.sleep(0.01)

    async def next(self, timeout: float = WAIT) -> Delivery:
        return await asyncio.wait_for(self.seen.get(), timeout)

    async def nothing_more(self, seconds: float = 0.3) -> bool:
        try:
            await asyncio.wait_for(self.seen.get(), seconds)
        except TimeoutError:
            return True
        return False


async def ack(delivery: Delivery) -> None:
    await delivery.ack()


async def test_published_message_is_delivered_with_its_properties(
    broker: Broker, names: Names
) -> None:
    recorder = Recorder(ack)
    await broker.consume(names.work, recorder, prefetch=10)
    await broker.publish([message(names.work, number=7)])
    delivery = await recorder.next()
    assert delivery.body == b'{"n": 7}'
    assert delivery.message_id == "m-7"
    assert delivery.correlation_id == "c-7"
    assert delivery.routing_key == "work"
    assert delivery.headers["x-note"] == "kept"
    assert delivery.headers["x-oss-attempt"] == 1
    assert delivery.redelivered is False


async def test_a_batch_is_confirmed_and_delivered_in_order(broker: Broker, names: Names) -> None:
    recorder = Recorder(ack)
    await broker.publish([message(names.work, number=n) for n in range(300)])
    await broker.consume(names.work, recorder, prefetch=300)
    received = [(await recorder.next()).message_id for _ in range(300)]
    assert received == [f"m-{n}" for n in range(300)]
    assert await recorder.nothing_more()


async def test_unroutable_mandatory_message_raises(broker: Broker, names: Names) -> None:
    with pytest.raises(PublishError):
        await broker.publish([message(names.work, key="nobody-listens")])


async def test_unroutable_best_effort_message_is_dropped_silently(
    broker: Broker, names: Names
) -> None:
    await broker.publish([message(names.fan, mandatory=False)])  # fan-out without subscribers


async def test_unknown_exchange_raises_and_the_broker_stays_usable(
    broker: Broker, names: Names
) -> None:
    with pytest.raises(PublishError):
        await broker.publish([message(f"{names.prefix}.missing")])
    recorder = Recorder(ack)
    await broker.consume(names.work, recorder, prefetch=1)
    await broker.publish([message(names.work, number=1)])
    assert (await recorder.next()).message_id == "m-1"


async def test_consuming_an_unknown_queue_raises(broker: Broker, names: Names) -> None:
    with pytest.raises(BrokerError):
        await broker.consume(f"{names.prefix}.missing", Recorder(ack), prefetch=1)


async def test_nack_with_requeue_redelivers(broker: Broker, names: Names) -> None:
    calls = 0

    async def nack_first(delivery: Delivery) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await delivery.nack(requeue=True)
        else:
            await delivery.ack()

    recorder = Recorder(nack_first)
    await broker.consume(names.work, recorder, prefetch=1)
    await broker.publish([message(names.work, number=1)])
    first, second = await recorder.next(), await recorder.next()
    assert (first.message_id, first.redelivered) == ("m-1", False)
    assert (second.message_id, second.redelivered) == ("m-1", True)
    assert await recorder.nothing_more()


async def test_reject_dead_letters_with_the_reason(broker: Broker, names: Names) -> None:
    async def reject(delivery: Delivery) -> None:
        await delivery.reject()

    dead = Recorder(ack)
    await broker.consume(names.work, Recorder(reject), prefetch=1)
    await broker.consume(names.dead, dead, prefetch=1)
    await broker.publish([message(names.work, number=3)])
    letter = await dead.next()
    assert letter.message_id == "m-3"
    assert letter.body == b'{"n": 3}'
    assert letter.headers["x-death"][0]["reason"] == "rejected"
    assert letter.headers["x-death"][0]["queue"] == names.work


async def test_a_handler_that_raises_gets_its_message_back(broker: Broker, names: Names) -> None:
    calls = 0

    async def explode_once(delivery: Delivery) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("handler bug")
        await delivery.ack()

    recorder = Recorder(explode_once)
    await broker.consume(names.work, recorder, prefetch=1)
    await broker.publish([message(names.work, number=1)])
    assert (await recorder.next()).redelivered is False
    assert (await recorder.next()).redelivered is True


async def test_settling_twice_raises(broker: Broker, names: Names) -> None:
    recorder = Recorder(ack)
    await broker.consume(names.work, recorder, prefetch=1)
    await broker.publish([message(names.work)])
    delivery = await recorder.next()
    with pytest.raises(BrokerError):
        await delivery.ack()


async def test_unsettled_deliveries_of_a_cancelled_consumer_are_redelivered(
    broker: Broker, names: Names
) -> None:
    holder = Recorder()  # never settles
    consumer = await broker.consume(names.work, holder, prefetch=5)
    await broker.publish([message(names.work, number=n) for n in range(3)])
    held = {(await holder.next()).message_id for _ in range(3)}
    await consumer.cancel()
    successor = Recorder(ack)
    await broker.consume(names.work, successor, prefetch=5)
    again = [await successor.next() for _ in range(3)]
    assert {delivery.message_id for delivery in again} == held
    assert all(delivery.redelivered for delivery in again)


async def test_cancel_with_grace_lets_running_handlers_finish(broker: Broker, names: Names) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_ack(delivery: Delivery) -> None:
        started.set()
        await release.wait()
        await delivery.ack()

    consumer = await broker.consume(names.work, Recorder(slow_ack), prefetch=1)
    await broker.publish([message(names.work, number=1)])
    await asyncio.wait_for(started.wait(), WAIT)
    asyncio.get_running_loop().call_later(0.1, release.set)
    await consumer.cancel(grace_seconds=WAIT)
    successor = Recorder(ack)
    await broker.consume(names.work, successor, prefetch=1)
    assert await successor.nothing_more(0.5), "a gracefully finished message came back"


async def test_cancel_stops_deliveries(broker: Broker, names: Names) -> None:
    recorder = Recorder(ack)
    consumer = await broker.consume(names.work, recorder, prefetch=1)
    await consumer.cancel()
    await broker.publish([message(names.work, number=1)])
    assert await recorder.nothing_more()
    assert (await broker.queue_stats(names.work)).messages == 1


async def test_prefetch_bounds_unsettled_deliveries(broker: Broker, names: Names) -> None:
    holder = Recorder()
    await broker.consume(names.work, holder, prefetch=2)
    await broker.publish([message(names.work, number=n) for n in range(5)])
    first = [await holder.next(), await holder.next()]
    assert await holder.nothing_more(0.5)
    await first[0].ack()
    third = await holder.next()
    assert third.message_id == "m-2"
    assert await holder.nothing_more(0.3)


async def test_expired_messages_go_to_the_dead_letter_target(broker: Broker, names: Names) -> None:
    recorder = Recorder(ack)
    await broker.consume(names.work, recorder, prefetch=1)
    await broker.publish([message(names.retry, key="later", number=9)])
    delivery = await recorder.next()
    assert delivery.message_id == "m-9"
    assert delivery.headers["x-death"][0]["reason"] == "expired"
    assert delivery.headers["x-note"] == "kept"


async def test_delivery_limit_dead_letters_a_message_that_keeps_coming_back(
    broker: Broker, names: Names
) -> None:
    async def requeue(delivery: Delivery) -> None:
        await delivery.nack(requeue=True)

    looping, dead = Recorder(requeue), Recorder(ack)
    await broker.consume(names.work, looping, prefetch=1)
    await broker.consume(names.dead, dead, prefetch=1)
    await broker.publish([message(names.work, number=4)])
    letter = await dead.next()
    assert letter.message_id == "m-4"
    assert letter.headers["x-death"][0]["reason"] == "delivery_limit"
    assert looping.seen.qsize() == 4  # delivery_limit 3: the fourth return dead-letters it


async def test_every_subscriber_of_a_fanout_receives_each_message(
    broker: Broker, names: Names
) -> None:
    first, second = Recorder(ack), Recorder(ack)
    await broker.subscribe(names.fan, first)
    subscription = await broker.subscribe(names.fan, second)
    await broker.publish([message(names.fan, number=5, mandatory=False)])
    assert (await first.next()).message_id == "m-5"
    assert (await second.next()).message_id == "m-5"
    await subscription.cancel()
    await broker.publish([message(names.fan, number=6, mandatory=False)])
    assert (await first.next()).message_id == "m-6"
    assert await second.nothing_more()


async def test_declare_is_idempotent(broker: Broker, names: Names) -> None:
    await broker.declare(small_topology(names))
    await broker.publish([message(names.work)])
    assert (await broker.queue_stats(names.work)).messages == 1


async def test_queue_stats_count_ready_messages_and_consumers(broker: Broker, names: Names) -> None:
    await broker.publish([message(names.work, number=n) for n in range(4)])
    stats = await broker.queue_stats(names.work)
    assert (stats.messages, stats.consumers) == (4, 0)
    await broker.consume(names.dead, Recorder(ack), prefetch=1)
    assert (await broker.queue_stats(names.dead)).consumers == 1


async def fetched_ids(broker: Broker, queue: str, expected: int) -> list[str]:
    """The ids a fetch sees, once it sees ``expected`` of them (RabbitMQ puts back the
    messages of a closed channel asynchronously)."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        async with broker.fetch(queue, 100) as deliveries:
            ids = [delivery.message_id for delivery in deliveries]
        if len(ids) >= expected or asyncio.get_running_loop().time() > deadline:
            return ids
        await asyncio.sleep(0.05)


async def test_fetch_takes_up_to_the_limit_oldest_first(broker: Broker, names: Names) -> None:
    await broker.publish([message(names.work, number=n) for n in range(5)])
    async with broker.fetch(names.work, 3) as deliveries:
        assert [delivery.message_id for delivery in deliveries] == ["m-0", "m-1", "m-2"]
        assert deliveries[0].headers["x-note"] == "kept"
        assert deliveries[0].correlation_id == "c-0"
        assert deliveries[0].body == b'{"n": 0}'


async def test_fetched_messages_not_settled_go_back_in_their_order(
    broker: Broker, names: Names
) -> None:
    await broker.publish([message(names.work, number=n) for n in range(4)])
    async with broker.fetch(names.work, 2) as deliveries:
        assert len(deliveries) == 2
    assert await fetched_ids(broker, names.work, 4) == ["m-0", "m-1", "m-2", "m-3"]


async def test_acknowledged_fetched_messages_are_gone_and_the_rest_stay(
    broker: Broker, names: Names
) -> None:
    await broker.publish([message(names.work, number=n) for n in range(3)])
    async with broker.fetch(names.work, 10) as deliveries:
        await deliveries[1].ack()
        with pytest.raises(BrokerError):
            await deliveries[1].ack()
    assert await fetched_ids(broker, names.work, 2) == ["m-0", "m-2"]


async def test_fetch_sees_why_a_message_was_dead_lettered(broker: Broker, names: Names) -> None:
    async def reject(delivery: Delivery) -> None:
        await delivery.reject()

    await broker.consume(names.work, Recorder(reject), prefetch=1)
    await broker.publish([message(names.work, number=8)])
    [letter_id] = await fetched_ids(broker, names.dead, 1)
    async with broker.fetch(names.dead, 1) as [letter]:
        assert letter_id == letter.message_id == "m-8"
        assert letter.headers["x-death"][0]["reason"] == "rejected"
        await letter.ack()
    assert (await broker.queue_stats(names.dead)).messages == 0


async def test_fetch_from_an_empty_queue_takes_nothing(broker: Broker, names: Names) -> None:
    async with broker.fetch(names.dead, 10) as deliveries:
        assert list(deliveries) == []


async def test_fetch_from_an_unknown_queue_raises(broker: Broker, names: Names) -> None:
    with pytest.raises(BrokerError):
        async with broker.fetch(f"{names.prefix}.missing", 1):
            pass


async def test_the_application_topology_routes_dispatches_retries_and_results(
    broker: Broker,
) -> None:
    await broker.declare(build_topology([Channel.PCCC], [100]))
    recorder = Recorder(ack)
    await broker.consume(dispatch_queue(Channel.PCCC), recorder, prefetch=5)
    await broker.publish([message(DISPATCH_EXCHANGE, key="pccc", number=1)])
    assert (await recorder.next()).message_id == "m-1"
    await broker.publish([message(RETRY_EXCHANGE, key=retry_routing_key("pccc", 100), number=2)])
    retried = await recorder.next()
    assert retried.message_id == "m-2"
    assert retried.headers["x-death"][0]["reason"] == "expired"

"""What only RabbitMQ can show: queue arguments, an unreachable broker, reconnection."""

import asyncio

import pytest

from oss_router.broker.contract import Delivery, PublishError
from oss_router.broker.rabbitmq import RabbitBroker
from oss_router.broker.rabbitmq_topology import queue_arguments
from oss_router.broker.topology import (
    DEAD_LETTER_EXCHANGE,
    DISPATCH_EXCHANGE,
    QueueSpec,
    build_topology,
    dispatch_queue,
    retry_queue,
)
from oss_router.messages.codes import Channel
from tests.broker.test_contract import Names, Recorder, ack, message, small_topology
from tests.support.rabbitmq import close_connections, rabbitmqctl, vhost_of

pytestmark = pytest.mark.rabbitmq

WAIT = 15.0


def test_channel_queues_are_quorum_queues_with_at_least_once_dead_lettering() -> None:
    topology = build_topology([Channel.SIRENE], [1_000, 10_000])
    specs = {spec.name: spec for spec in topology.queues}
    main = queue_arguments(specs[dispatch_queue(Channel.SIRENE)])
    assert main == {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-dead-letter-routing-key": "sirene",
        "x-delivery-limit": 20,
    }
    tier = queue_arguments(specs[retry_queue(Channel.SIRENE, 10_000)])
    assert tier["x-message-ttl"] == 10_000
    assert tier["x-dead-letter-exchange"] == DISPATCH_EXCHANGE
    assert tier["x-dead-letter-strategy"] == "at-least-once"


def test_classic_queues_get_no_quorum_only_arguments() -> None:
    arguments = queue_arguments(QueueSpec("q", quorum=False, dead_letter_exchange="x"))
    assert arguments == {"x-dead-letter-exchange": "x"}


async def test_declared_queues_are_durable_quorum_queues(rabbitmq_url: str) -> None:
    broker = RabbitBroker(rabbitmq_url)
    await broker.connect()
    try:
        await broker.declare(build_topology([Channel.PCCC], [250]))
    finally:
        await broker.close()
    listing = rabbitmqctl("list_queues", "-p", vhost_of(rabbitmq_url), "name", "type", "durable")
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in listing.splitlines() if line}
    assert rows[dispatch_queue(Channel.PCCC)] == ["quorum", "true"]
    assert rows[retry_queue(Channel.PCCC, 250)] == ["quorum", "true"]


async def test_an_unreachable_broker_reports_not_connected_and_refuses_to_publish() -> None:
    broker = RabbitBroker("amqp://guest:guest@127.0.0.1:1/", connect_timeout=1.0)
    await broker.connect()  # returns: the process keeps running and retries in the background
    try:
        assert broker.is_connected is False
        with pytest.raises(PublishError):
            await broker.publish([message("anything")])
    finally:
        await broker.close()


async def test_consumers_come_back_after_the_connection_is_cut(
    rabbitmq_url: str, prefix: str
) -> None:
    names = Names(prefix)
    broker = RabbitBroker(rabbitmq_url, connection_name=f"test-{prefix}")
    await broker.connect()
    try:
        await broker.declare(small_topology(names))
        held = Recorder()  # holds its delivery when the cut happens
        first = await broker.consume(names.work, held, prefetch=1)
        await broker.publish([message(names.work, number=1)])
        assert (await held.next()).redelivered is False

        close_connections(rabbitmq_url)

        assert await broker.wait_connected(WAIT)
        redelivered = await held.next(WAIT)
        assert (redelivered.message_id, redelivered.redelivered) == ("m-1", True)
        await redelivered.ack()
        await broker.publish([message(names.work, number=2)])
        after = await held.next(WAIT)
        assert after.message_id == "m-2"
        await after.ack()
        assert (await broker.queue_stats(names.work)).consumers == 1
        await first.cancel()
    finally:
        await broker.close()


async def test_a_handler_finishing_across_a_cut_does_not_lose_its_message(
    rabbitmq_url: str, prefix: str
) -> None:
    """The ack of a delivery whose channel died fails; RabbitMQ redelivers it instead."""
    names = Names(prefix)
    broker = RabbitBroker(rabbitmq_url)
    await broker.connect()
    try:
        await broker.declare(small_topology(names))
        cut, outcomes = asyncio.Event(), []

        async def ack_after_cut(delivery: Delivery) -> None:
            if not delivery.redelivered:
                await cut.wait()
            try:
                await delivery.ack()
                outcomes.append(("acked", delivery.redelivered))
            except Exception as error:
                outcomes.append((type(error).__name__, delivery.redelivered))
                raise

        recorder = Recorder(ack_after_cut)
        await broker.consume(names.work, recorder, prefetch=1)
        await broker.publish([message(names.work, number=1)])
        await recorder.next()
        close_connections(rabbitmq_url)
        assert await broker.wait_connected(WAIT)
        cut.set()
        assert (await recorder.next(WAIT)).redelivered is True
        await asyncio.sleep(0.2)
        assert outcomes == [("BrokerError", False), ("acked", True)]
    finally:
        await broker.close()


async def test_declared_topology_is_restored_on_reconnection(
    rabbitmq_url: str, prefix: str
) -> None:
    names = Names(prefix)
    broker = RabbitBroker(rabbitmq_url)
    await broker.connect()
    try:
        await broker.declare(small_topology(names))
        close_connections(rabbitmq_url)
        await asyncio.sleep(0.1)
        assert await broker.wait_connected(WAIT)
        recorder = Recorder(ack)
        await broker.consume(names.work, recorder, prefetch=1)
        await broker.publish([message(names.work, number=3)])
        assert (await recorder.next()).message_id == "m-3"
    finally:
        await broker.close()

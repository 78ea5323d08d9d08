"""Declaring a topology on RabbitMQ: exchanges, queues with their ``x-`` arguments, bindings.
``RabbitBroker`` declares every topology again on each new connection."""

from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractExchange

from oss_router.broker.topology import QueueSpec, Topology


def queue_arguments(spec: QueueSpec) -> dict[str, Any]:
    """The ``x-`` arguments of a queue spec, as RabbitMQ expects them."""
    arguments: dict[str, Any] = {}
    if spec.quorum:
        arguments["x-queue-type"] = "quorum"
    if spec.message_ttl_ms is not None:
        arguments["x-message-ttl"] = spec.message_ttl_ms
    if spec.dead_letter_exchange is not None:
        arguments["x-dead-letter-exchange"] = spec.dead_letter_exchange
        if spec.quorum:
            # At-least-once dead-lettering: the source queue keeps a message until the
            # dead-letter target confirmed it (RabbitMQ ≥ 3.10; requires reject-publish).
            arguments["x-dead-letter-strategy"] = "at-least-once"
            arguments["x-overflow"] = "reject-publish"
    if spec.dead_letter_routing_key is not None:
        arguments["x-dead-letter-routing-key"] = spec.dead_letter_routing_key
    if spec.delivery_limit is not None and spec.quorum:
        arguments["x-delivery-limit"] = spec.delivery_limit
    return arguments


async def declare_on(connection: AbstractConnection, topology: Topology) -> None:
    async with connection.channel(publisher_confirms=False) as channel:
        exchanges: dict[str, AbstractExchange] = {}
        for spec in topology.exchanges:
            exchanges[spec.name] = await channel.declare_exchange(
                spec.name, aio_pika.ExchangeType(spec.type), durable=True
            )
        for queue_spec in topology.queues:
            await channel.declare_queue(
                queue_spec.name, durable=True, arguments=queue_arguments(queue_spec)
            )
        for binding in topology.bindings:
            queue = await channel.get_queue(binding.queue, ensure=False)
            await queue.bind(binding.exchange, routing_key=binding.routing_key)

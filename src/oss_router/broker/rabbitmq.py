"""RabbitMQ implementation of the broker contract, on aio-pika.

Connection supervision is ours, not aio-pika's robust connection: the broker object keeps the
*desired* state (declared topologies, consumers, subscriptions) and a supervisor task rebuilds it
on every new connection. Each consumer runs its own loop (``rabbitmq_consumer.py``) — wait for
a connection, open a channel, consume, wait until that channel dies — so a broker restart, a
forced connection close, a channel error or a consumer cancelled by the broker all end the
same way: the consumer is re-established. (Frameworks that rely on the robust connection's
restore step are known to lose consumers when a restore fails once; a loop cannot "forget" to
come back.) Deliveries whose channel died were never acked, so RabbitMQ redelivers them.

Publishing uses one confirm-mode channel per connection: a batch is written at once and its
confirms awaited together (pipelined), ``mandatory`` returns raise ``PublishError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractQueue,
)

from oss_router.aio import first_completed, wait_event
from oss_router.broker.contract import (
    BrokerError,
    Consumer,
    Delivery,
    Handler,
    OutgoingMessage,
    PublishError,
    QueueStats,
)
from oss_router.broker.rabbitmq_consumer import (
    AMQP_FAILURES,
    RECONNECT_DELAYS,
    QueueOpener,
    RabbitConsumer,
    RabbitDelivery,
)
from oss_router.broker.rabbitmq_topology import declare_on
from oss_router.broker.topology import Topology
from oss_router.telemetry import metrics

log = logging.getLogger(__name__)


class RabbitBroker:
    """Implements ``broker.contract.Broker`` on RabbitMQ."""

    def __init__(
        self,
        url: str,
        *,
        publish_timeout: float = 15.0,
        connect_timeout: float = 5.0,
        connection_name: str = "oss-router",
    ) -> None:
        self._url = url
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._connection_name = connection_name
        self._topologies: list[Topology] = []
        self._connection: AbstractConnection | None = None
        self._connected = asyncio.Event()
        self._lost = asyncio.Event()
        self._closing = asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._ever_connected = False
        self._supervisor: asyncio.Task[None] | None = None
        self._consumers: set[RabbitConsumer] = set()
        self._publisher: AbstractChannel | None = None
        self._publisher_lock = asyncio.Lock()
        self._exchanges: dict[str, AbstractExchange] = {}
        self._exchanges_of: AbstractChannel | None = None

    # -- connection ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect, or keep trying in the background if RabbitMQ is not reachable now.

        Returns after the first attempt either way: a process that cannot reach the broker
        keeps serving what it can (the gateway keeps accepting requests) and reports not ready.
        """
        if self._supervisor is not None:
            return
        self._closing.clear()
        self._supervisor = asyncio.create_task(self._supervise(), name="rabbitmq-supervisor")
        await self._first_attempt.wait()

    async def close(self) -> None:
        for consumer in list(self._consumers):
            await consumer.cancel()
        self._closing.set()
        if self._supervisor is not None:
            await self._supervisor
            self._supervisor = None

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, seconds: float) -> bool:
        return await wait_event(self._connected, seconds)

    async def _supervise(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            connection = await self._open_connection()
            self._first_attempt.set()
            if connection is None:
                attempt += 1
                await self._pause(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS)) - 1])
                continue
            attempt = 0
            await first_completed(self._lost.wait(), self._closing.wait())
            await self._drop_connection(connection)
        self._first_attempt.set()

    async def _open_connection(self) -> AbstractConnection | None:
        try:
            connection = await aio_pika.connect(
                self._url,
                timeout=self._connect_timeout,
                client_properties={"connection_name": self._connection_name},
            )
        except Exception as error:  # the supervisor must outlive any failure to connect
            log.warning("RabbitMQ not reachable: %r; retrying", error)
            return None
        self._lost.clear()
        connection.close_callbacks.add(self._on_connection_closed)
        try:
            for topology in self._topologies:
                await declare_on(connection, topology)
        except Exception as error:
            log.error("RabbitMQ topology could not be declared: %r; retrying", error)
            await self._drop_connection(connection)
            return None
        self._connection = connection
        self._connected.set()
        if self._ever_connected:
            metrics.BROKER_RECONNECTIONS.inc()
        self._ever_connected = True
        log.info("connected to RabbitMQ")
        return connection

    def _on_connection_closed(self, *_args: Any) -> None:
        if not self._closing.is_set():
            log.warning("RabbitMQ connection lost; reconnecting")
        self._connected.clear()
        self._lost.set()

    async def _drop_connection(self, connection: AbstractConnection) -> None:
        self._connected.clear()
        self._connection = None
        self._publisher = None
        with contextlib.suppress(*AMQP_FAILURES, TimeoutError):
            await asyncio.wait_for(connection.close(), self._connect_timeout)

    async def _wait_connection(self, stopping: asyncio.Event) -> AbstractConnection | None:
        """The current connection, waiting for one; None when ``stopping`` is set first."""
        while not stopping.is_set() and not self._closing.is_set():
            connection = self._connection
            if connection is not None and self._connected.is_set():
                return connection
            await first_completed(self._connected.wait(), stopping.wait(), self._closing.wait())
        return None

    async def _pause(self, seconds: float) -> None:
        await wait_event(self._closing, seconds)

    def _current(self) -> AbstractConnection:
        connection = self._connection
        if connection is None or not self._connected.is_set():
            raise PublishError("RabbitMQ is not connected")
        return connection

    # -- topology --------------------------------------------------------------------------

    async def declare(self, topology: Topology) -> None:
        """Declare now if connected (errors raise), and again on every reconnection."""
        if topology not in self._topologies:
            self._topologies.append(topology)
        if self.is_connected:
            try:
                await declare_on(self._current(), topology)
            except AMQP_FAILURES as error:
                raise BrokerError(f"topology not declared: {error!r}") from error

    # -- publishing ------------------------------------------------------------------------

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        if not messages:
            return
        channel = await self._publishing_channel()
        publications = [self._publish_one(channel, message) for message in messages]
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*publications, return_exceptions=True), self._publish_timeout
            )
        except TimeoutError:
            self._publisher = None
            raise PublishError(f"no confirm within {self._publish_timeout:g} s") from None
        failures = [result for result in results if isinstance(result, BaseException)]
        if failures:
            if channel.is_closed:
                self._publisher = None
            raise PublishError(
                f"{len(failures)} of {len(messages)} messages not confirmed: {failures[0]!r}"
            ) from failures[0]

    async def _publish_one(self, channel: AbstractChannel, message: OutgoingMessage) -> None:
        exchange = await self._exchange(channel, message.exchange)
        await exchange.publish(
            aio_pika.Message(
                message.body,
                headers=dict(message.headers),
                content_type=message.content_type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
            ),
            routing_key=message.routing_key,
            mandatory=message.mandatory,
        )

    async def _publishing_channel(self) -> AbstractChannel:
        channel = self._publisher
        if channel is not None and not channel.is_closed:
            return channel
        async with self._publisher_lock:
            channel = self._publisher
            if channel is None or channel.is_closed:
                try:
                    channel = await self._current().channel(
                        publisher_confirms=True, on_return_raises=True
                    )
                except AMQP_FAILURES as error:
                    raise PublishError(f"no channel to publish on: {error!r}") from error
                self._publisher = channel
            return channel

    async def _exchange(self, channel: AbstractChannel, name: str) -> AbstractExchange:
        if self._exchanges_of is not channel:
            self._exchanges, self._exchanges_of = {}, channel
        exchange = self._exchanges.get(name)
        if exchange is None:
            exchange = await channel.get_exchange(name, ensure=False)
            self._exchanges[name] = exchange
        return exchange

    # -- consuming -------------------------------------------------------------------------

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> Consumer:
        async def open_queue(channel: AbstractChannel) -> AbstractQueue:
            return await channel.get_queue(queue, ensure=True)

        return await self._start_consumer(queue, open_queue, handler, prefetch)

    async def subscribe(self, exchange: str, handler: Handler) -> Consumer:
        name = f"{exchange}.subscriber.{uuid.uuid4().hex[:12]}"

        async def open_queue(channel: AbstractChannel) -> AbstractQueue:
            # Exclusive, auto-deleted, classic: it lives exactly as long as this subscriber's
            # channel, and is declared again (empty) after a reconnection.
            private = await channel.declare_queue(name, exclusive=True, auto_delete=True)
            await private.bind(exchange)
            return private

        return await self._start_consumer(name, open_queue, handler, 100)

    async def _start_consumer(
        self, name: str, open_queue: QueueOpener, handler: Handler, prefetch: int
    ) -> Consumer:
        consumer = RabbitConsumer(self, name, open_queue, handler, prefetch)
        self._consumers.add(consumer)
        if self.is_connected:
            try:
                error = await asyncio.wait_for(consumer.first_attempt(), self._connect_timeout)
            except TimeoutError:  # the connection dropped meanwhile: it attaches when back
                return consumer
            if error is not None:
                await consumer.cancel()
                raise BrokerError(f"cannot consume from {name}: {error!r}") from error
        return consumer

    def _forget(self, consumer: RabbitConsumer) -> None:
        self._consumers.discard(consumer)

    async def queue_stats(self, queue: str) -> QueueStats:
        try:
            async with self._current().channel(publisher_confirms=False) as channel:
                declared = await channel.declare_queue(queue, passive=True)
        except AMQP_FAILURES as error:
            raise BrokerError(f"no stats for {queue}: {error!r}") from error
        result = declared.declaration_result
        return QueueStats(queue, result.message_count or 0, result.consumer_count or 0)

    @contextlib.asynccontextmanager
    async def fetch(self, queue: str, limit: int) -> AsyncIterator[Sequence[Delivery]]:
        """``basic.get`` with manual acknowledgement on a channel of its own: closing that
        channel at the end makes RabbitMQ put back whatever was not settled."""
        try:
            channel = await self._current().channel(publisher_confirms=False)
        except AMQP_FAILURES as error:
            raise BrokerError(f"cannot fetch from {queue}: {error!r}") from error
        try:
            yield await self._take(channel, queue, limit)
        finally:
            if not channel.is_closed:
                with contextlib.suppress(*AMQP_FAILURES):
                    await channel.close()

    @staticmethod
    async def _take(channel: AbstractChannel, queue: str, limit: int) -> list[Delivery]:
        taken: list[Delivery] = []
        try:
            source = await channel.get_queue(queue, ensure=True)
            while len(taken) < limit:
                message = await source.get(no_ack=False, fail=False)
                if message is None:
                    break
                taken.append(RabbitDelivery(message))
        except AMQP_FAILURES as error:
            raise BrokerError(f"cannot fetch from {queue}: {error!r}") from error
        return taken

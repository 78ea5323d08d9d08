"""Consuming from RabbitMQ: a delivery, and a consumer's own loop (wait for a connection, open
a channel, consume, wait until that channel dies, again) that ``RabbitBroker`` starts for each
queue or subscription. Deliveries whose channel died were never acked: RabbitMQ redelivers
them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
)
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

from oss_router.aio import first_completed, wait_event
from oss_router.broker.contract import (
    BrokerError,
    Handler,
)

if TYPE_CHECKING:
    from oss_router.broker.rabbitmq import RabbitBroker

log = logging.getLogger(__name__)

# Waits between reconnection attempts; the last one repeats.
RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0, 3.0)
AMQP_FAILURES = (AMQPError, ChannelInvalidStateError, ConnectionError, OSError, RuntimeError)


class RabbitDelivery:
    def __init__(self, message: AbstractIncomingMessage) -> None:
        self._message = message

    @property
    def body(self) -> bytes:
        return self._message.body

    @property
    def message_id(self) -> str:
        return self._message.message_id or ""

    @property
    def headers(self) -> Mapping[str, Any]:
        return self._message.headers or {}

    @property
    def routing_key(self) -> str:
        return self._message.routing_key or ""

    @property
    def correlation_id(self) -> str | None:
        return self._message.correlation_id

    @property
    def redelivered(self) -> bool:
        return bool(self._message.redelivered)

    @property
    def settled(self) -> bool:
        return self._message.processed

    async def ack(self) -> None:
        await self._settle(self._message.ack())

    async def nack(self, *, requeue: bool = True) -> None:
        await self._settle(self._message.nack(requeue=requeue))

    async def reject(self) -> None:
        await self._settle(self._message.reject(requeue=False))

    async def _settle(self, operation: Awaitable[None]) -> None:
        try:
            await operation
        except AMQP_FAILURES as error:
            # The channel is gone: RabbitMQ returns the message to the queue by itself.
            raise BrokerError(f"delivery {self.message_id} not settled: {error!r}") from error


QueueOpener = Callable[[AbstractChannel], Awaitable[AbstractQueue]]


class RabbitConsumer:
    """One consumer that outlives channels and connections until cancelled."""

    def __init__(
        self,
        broker: RabbitBroker,
        name: str,
        open_queue: QueueOpener,
        handler: Handler,
        prefetch: int,
    ) -> None:
        self._broker = broker
        self._name = name
        self._open_queue = open_queue
        self._handler = handler
        self._prefetch = prefetch
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._grace = 0.0
        self._first_attempt: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._loop_task = asyncio.create_task(self._run(), name=f"consume:{name}")
        self.attached = asyncio.Event()

    async def first_attempt(self) -> BaseException | None:
        """The error of the first attempt to consume (None when it worked)."""
        return await asyncio.shield(self._first_attempt)

    async def cancel(self, *, grace_seconds: float = 0.0) -> None:
        if self._stopping.is_set():
            await self._loop_task
            return
        self._grace = grace_seconds
        self._stopping.set()
        self._broker._forget(self)
        await self._loop_task

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            connection = await self._broker._wait_connection(self._stopping)
            if connection is None:
                break
            try:
                await self._consume_on(connection)
                attempt = 0
            except Exception as error:  # whatever went wrong, this loop must go on consuming
                self._report_first(error)
                log.warning("consumer of %s: %r; consuming again shortly", self._name, error)
                attempt += 1
                await self._pause(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS)) - 1])
        self._report_first(None)
        await self._finish_tasks(0.0)

    async def _consume_on(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=False)
        cancelled_by_broker = asyncio.Event()
        try:
            await channel.set_qos(prefetch_count=self._prefetch)
            underlay = await channel.get_underlay_channel()
            underlay.on_consumer_cancel_callbacks.add(lambda _frame: cancelled_by_broker.set())
            queue = await self._open_queue(channel)
            tag = await queue.consume(self._on_message)
            self._report_first(None)
            self.attached.set()
            ended = await first_completed(
                channel.closed(),
                self._stopping.wait(),
                cancelled_by_broker.wait(),
                self._broker._lost.wait(),
            )
            self.attached.clear()
            if ended == 1:
                await self._stop_gracefully(queue, tag)
            elif ended == 2:
                log.warning("consumer of %s cancelled by the broker; consuming again", self._name)
        finally:
            self.attached.clear()
            if not channel.is_closed:
                with contextlib.suppress(*AMQP_FAILURES):
                    await channel.close()

    async def _stop_gracefully(self, queue: AbstractQueue, tag: str) -> None:
        # aiormq may raise a bare Exception when the channel dies meanwhile: either way no more
        # deliveries arrive, which is all this step is for.
        with contextlib.suppress(Exception):
            await queue.cancel(tag)
        await self._finish_tasks(self._grace)

    async def _finish_tasks(self, grace_seconds: float) -> None:
        if self._tasks and grace_seconds > 0:
            await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # Our own task, not the channel's: closing the channel must not cancel a handler that
        # is finishing its work during a graceful shutdown.
        task = asyncio.create_task(self._handle(RabbitDelivery(message)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, delivery: RabbitDelivery) -> None:
        try:
            await self._handler(delivery)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("consumer of %s raised; message requeued", self._name)
        if not delivery.settled:
            with contextlib.suppress(BrokerError):
                await delivery.nack(requeue=True)

    def _report_first(self, error: BaseException | None) -> None:
        if not self._first_attempt.done():
            self._first_attempt.set_result(error)

    async def _pause(self, seconds: float) -> None:
        await wait_event(self._stopping, seconds)

"""In-process broker with the semantics of the RabbitMQ topology (the embedded default).

It keeps messages in memory: a process restart loses what it held, which is why the embedded
mode re-publishes the dispatches that were in flight at start-up (``outbox.recovery``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from oss_router.broker.contract import (
    BrokerError,
    Consumer,
    Delivery,
    Handler,
    OutgoingMessage,
    PublishError,
    QueueStats,
)
from oss_router.broker.topology import Binding, ExchangeSpec, QueueSpec, Topology

log = logging.getLogger(__name__)


@dataclass
class _Message:
    out: OutgoingMessage
    headers: dict[str, Any]
    delivery_count: int = 0
    redelivered: bool = False


@dataclass
class _Queue:
    spec: QueueSpec
    messages: deque[_Message] = field(default_factory=deque)
    consumers: list[_MemoryConsumer] = field(default_factory=list)
    turn: itertools.count[int] = field(default_factory=itertools.count)


class _MemoryDelivery:
    def __init__(self, broker: MemoryBroker, consumer: _MemoryConsumer, msg: _Message) -> None:
        self._broker = broker
        self._consumer = consumer
        self._msg = msg
        self._redelivered = msg.redelivered  # as it was at delivery time
        self.settled = False

    @property
    def body(self) -> bytes:
        return self._msg.out.body

    @property
    def message_id(self) -> str:
        return self._msg.out.message_id

    @property
    def headers(self) -> Mapping[str, Any]:
        return self._msg.headers

    @property
    def routing_key(self) -> str:
        return self._msg.out.routing_key

    @property
    def correlation_id(self) -> str | None:
        return self._msg.out.correlation_id

    @property
    def redelivered(self) -> bool:
        return self._redelivered

    def _settle(self) -> None:
        if self.settled:
            raise BrokerError("delivery already settled")
        self.settled = True
        self._consumer.unsettled.discard(self)

    async def ack(self) -> None:
        self._settle()
        self._broker._pump(self._consumer.queue)

    async def nack(self, *, requeue: bool = True) -> None:
        self._settle()
        if requeue:
            self._broker._requeue(self._consumer.queue, self._msg)
        else:
            self._broker._dead_letter(self._consumer.queue, self._msg, "rejected")
        self._broker._pump(self._consumer.queue)

    async def reject(self) -> None:
        await self.nack(requeue=False)


async def _never_called(_delivery: Delivery) -> None:
    raise AssertionError("fetched deliveries are never pushed to a handler")


class _MemoryConsumer:
    def __init__(
        self, broker: MemoryBroker, queue: _Queue, handler: Handler, prefetch: int
    ) -> None:
        self.broker = broker
        self.queue = queue
        self.handler = handler
        self.prefetch = prefetch
        self.unsettled: set[_MemoryDelivery] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = True

    @property
    def has_capacity(self) -> bool:
        return self.active and len(self.unsettled) < self.prefetch

    async def cancel(self, *, grace_seconds: float = 0.0) -> None:
        """Stop receiving; after the grace period, deliveries still unsettled go back to the
        queue, as on AMQP when a channel closes."""
        if not self.active:
            return
        self.active = False
        with contextlib.suppress(ValueError):
            self.queue.consumers.remove(self)
        if self.tasks and grace_seconds > 0:
            await asyncio.wait(list(self.tasks), timeout=grace_seconds)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for delivery in list(self.unsettled):
            delivery.settled = True
            self.broker._requeue(self.queue, delivery._msg)
        self.unsettled.clear()
        self.broker._pump(self.queue)


class _Subscription:
    def __init__(self, broker: MemoryBroker, consumer: _MemoryConsumer) -> None:
        self._broker = broker
        self._consumer = consumer

    async def cancel(self, *, grace_seconds: float = 0.0) -> None:
        await self._consumer.cancel(grace_seconds=grace_seconds)
        self._broker._delete_queue(self._consumer.queue.spec.name)


class MemoryBroker:
    """Implements ``broker.contract.Broker`` inside the current event loop."""

    def __init__(self) -> None:
        self._exchanges: dict[str, ExchangeSpec] = {}
        self._queues: dict[str, _Queue] = {}
        self._bindings: list[Binding] = []
        self._connected = False
        self._timers: set[asyncio.TimerHandle] = set()

    async def connect(self) -> None:
        self._connected = True

    async def close(self) -> None:
        for queue in list(self._queues.values()):
            for consumer in list(queue.consumers):
                await consumer.cancel()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def declare(self, topology: Topology) -> None:
        self._require_connection()
        for exchange in topology.exchanges:
            self._exchanges.setdefault(exchange.name, exchange)
        for spec in topology.queues:
            self._queues.setdefault(spec.name, _Queue(spec))
        for binding in topology.bindings:
            if binding not in self._bindings:
                self._bindings.append(binding)

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        self._require_connection()
        routed = [
            (message, self._route(message.exchange, message.routing_key)) for message in messages
        ]
        for message, queues in routed:
            if not queues and message.mandatory:
                raise PublishError(
                    f"message {message.message_id} unroutable: "
                    f"{message.exchange} / {message.routing_key}"
                )
        for message, queues in routed:
            for queue in queues:
                self._enqueue(queue, _Message(message, dict(message.headers)))

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> Consumer:
        self._require_connection()
        target = self._queue(queue)
        consumer = _MemoryConsumer(self, target, handler, prefetch)
        target.consumers.append(consumer)
        self._pump(target)
        return consumer

    async def subscribe(self, exchange: str, handler: Handler) -> Consumer:
        self._require_connection()
        if exchange not in self._exchanges:
            raise BrokerError(f"no exchange {exchange!r}")
        name = f"amq.gen-{uuid.uuid4()}"
        self._queues[name] = _Queue(QueueSpec(name, quorum=False))
        self._bindings.append(Binding(exchange, name, ""))
        consumer = await self.consume(name, handler, prefetch=100)
        assert isinstance(consumer, _MemoryConsumer)
        return _Subscription(self, consumer)

    async def queue_stats(self, queue: str) -> QueueStats:
        target = self._queue(queue)
        return QueueStats(queue, len(target.messages), len(target.consumers))

    @contextlib.asynccontextmanager
    async def fetch(self, queue: str, limit: int) -> AsyncIterator[Sequence[Delivery]]:
        self._require_connection()
        target = self._queue(queue)
        # A consumer the queue does not know: deliveries settle through it, nothing is pushed.
        taker = _MemoryConsumer(self, target, _never_called, prefetch=max(1, limit))
        taken: list[_MemoryDelivery] = []
        while target.messages and len(taken) < limit:
            msg = target.messages.popleft()
            msg.delivery_count += 1
            delivery = _MemoryDelivery(self, taker, msg)
            taker.unsettled.add(delivery)
            taken.append(delivery)
        try:
            yield list(taken)
        finally:
            for delivery in reversed(taken):  # back to the head, in their original order
                if not delivery.settled:
                    delivery.settled = True
                    self._requeue(target, delivery._msg)
            taker.unsettled.clear()
            self._pump(target)

    # -- internals -------------------------------------------------------------------------

    def _require_connection(self) -> None:
        if not self._connected:
            raise BrokerError("in-memory broker is not connected")

    def _queue(self, name: str) -> _Queue:
        try:
            return self._queues[name]
        except KeyError:
            raise BrokerError(f"no queue {name!r}") from None

    def _delete_queue(self, name: str) -> None:
        self._queues.pop(name, None)
        self._bindings = [binding for binding in self._bindings if binding.queue != name]

    def _route(self, exchange: str, routing_key: str) -> list[_Queue]:
        spec = self._exchanges.get(exchange)
        if spec is None:
            raise PublishError(f"no exchange {exchange!r}")
        return [
            self._queues[binding.queue]
            for binding in self._bindings
            if binding.exchange == exchange
            and (spec.type == "fanout" or binding.routing_key == routing_key)
            and binding.queue in self._queues
        ]

    def _enqueue(self, queue: _Queue, msg: _Message) -> None:
        queue.messages.append(msg)
        if queue.spec.message_ttl_ms is not None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(queue.spec.message_ttl_ms / 1000, self._expire, queue, msg)
            self._timers.add(timer)
        self._pump(queue)

    def _requeue(self, queue: _Queue, msg: _Message) -> None:
        msg.redelivered = True
        limit = queue.spec.delivery_limit
        if limit is not None and msg.delivery_count > limit:
            self._dead_letter(queue, msg, "delivery_limit")
            return
        queue.messages.appendleft(msg)

    def _expire(self, queue: _Queue, msg: _Message) -> None:
        self._timers = {timer for timer in self._timers if not timer.cancelled()}
        if msg in queue.messages:
            queue.messages.remove(msg)
            self._dead_letter(queue, msg, "expired")

    def _dead_letter(self, queue: _Queue, msg: _Message, reason: str) -> None:
        exchange = queue.spec.dead_letter_exchange
        if exchange is None:
            log.warning(
                "message %s dropped from %s (%s)", msg.out.message_id, queue.spec.name, reason
            )
            return
        key = queue.spec.dead_letter_routing_key or msg.out.routing_key
        headers = dict(msg.headers)
        deaths = list(headers.get("x-death", []))
        deaths.insert(0, {"queue": queue.spec.name, "reason": reason, "count": 1})
        headers["x-death"] = deaths
        for target in self._route(exchange, key):
            self._enqueue(target, _Message(msg.out, headers))

    def _pump(self, queue: _Queue) -> None:
        while queue.messages:
            consumer = self._next_consumer(queue)
            if consumer is None:
                return
            msg = queue.messages.popleft()
            msg.delivery_count += 1
            self._deliver(consumer, msg)

    def _next_consumer(self, queue: _Queue) -> _MemoryConsumer | None:
        ready = [consumer for consumer in queue.consumers if consumer.has_capacity]
        if not ready:
            return None
        return ready[next(queue.turn) % len(ready)]

    def _deliver(self, consumer: _MemoryConsumer, msg: _Message) -> None:
        delivery = _MemoryDelivery(self, consumer, msg)
        consumer.unsettled.add(delivery)
        task = asyncio.get_running_loop().create_task(self._run_handler(consumer, delivery))
        consumer.tasks.add(task)
        task.add_done_callback(consumer.tasks.discard)

    async def _run_handler(self, consumer: _MemoryConsumer, delivery: _MemoryDelivery) -> None:
        try:
            await consumer.handler(delivery)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("consumer of %s raised; message requeued", consumer.queue.spec.name)
        if not delivery.settled and consumer.active:
            await delivery.nack(requeue=True)

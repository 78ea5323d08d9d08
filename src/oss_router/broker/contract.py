"""The broker contract, shaped after AMQP 0-9-1 so that aio-pika fits it without change.

Semantics every implementation honours (proven by the shared contract tests):
- ``publish`` returns only once every message is confirmed by the broker; a message that no
  queue would receive (``mandatory``) or that the broker refuses raises ``PublishError``.
- A delivery is acknowledged (``ack``), put back (``nack(requeue=True)``, then redelivered with
  ``redelivered=True``), or dead-lettered (``reject``) to the queue's dead-letter exchange.
- A delivery neither acked nor rejected when its consumer goes away is redelivered.
- Settling a delivery whose channel is gone raises ``BrokerError``; the broker redelivers it.
- Handlers of one consumer run concurrently, at most ``prefetch`` at a time; a handler that
  raises gets its delivery put back (``nack(requeue=True)``).
- Queues with a message TTL dead-letter expired messages (the delayed-retry tiers).
- Queues with a delivery limit dead-letter a message delivered more often than the limit.
- ``fetch`` takes ready messages of a queue that nobody consumes (the dead-letter queues, for
  the operator's ``dead-letters`` command); what it does not settle goes back to the queue.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from oss_router.broker.topology import Topology


class BrokerError(Exception):
    """The broker cannot be reached or refused an operation."""


class PublishError(BrokerError):
    """A message was not confirmed (unroutable, nacked, connection lost before the confirm)."""


@dataclass(frozen=True)
class OutgoingMessage:
    exchange: str
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None
    content_type: str = "application/json"
    # Unroutable mandatory messages raise PublishError; best-effort notices are not mandatory.
    mandatory: bool = True


class Delivery(Protocol):
    """A message handed to a consumer, to be settled exactly once."""

    @property
    def body(self) -> bytes: ...
    @property
    def message_id(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, Any]: ...
    @property
    def routing_key(self) -> str: ...
    @property
    def correlation_id(self) -> str | None: ...
    @property
    def redelivered(self) -> bool: ...
    @property
    def settled(self) -> bool:
        """Whether ack, nack or reject was called (or the broker took the delivery back)."""
        ...

    async def ack(self) -> None: ...

    async def nack(self, *, requeue: bool = True) -> None: ...

    async def reject(self) -> None:
        """Refuse the message for good: it goes to the queue's dead-letter exchange."""
        ...


Handler = Callable[[Delivery], Awaitable[None]]


class Consumer(Protocol):
    async def cancel(self, *, grace_seconds: float = 0.0) -> None:
        """Stop receiving new deliveries.

        Handlers already running get up to ``grace_seconds`` to finish and settle their
        deliveries (a graceful shutdown); those still running then are cancelled and their
        deliveries go back to the queue, to be redelivered.
        """
        ...


@dataclass(frozen=True)
class QueueStats:
    name: str
    messages: int  # ready, not yet delivered
    consumers: int


class Broker(Protocol):
    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def is_connected(self) -> bool: ...

    async def declare(self, topology: Topology) -> None:
        """Declare exchanges, queues and bindings; idempotent."""
        ...

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish persistently and wait for every confirm; raise ``PublishError`` otherwise."""
        ...

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> Consumer:
        """Deliver messages of ``queue`` to ``handler``, at most ``prefetch`` unsettled at once.

        The consumer survives reconnections: implementations re-establish it after a broker
        restart or a connection loss.
        """
        ...

    async def subscribe(self, exchange: str, handler: Handler) -> Consumer:
        """Receive every message of a fan-out exchange on a private, transient queue."""
        ...

    async def queue_stats(self, queue: str) -> QueueStats: ...

    def fetch(self, queue: str, limit: int) -> AbstractAsyncContextManager[Sequence[Delivery]]:
        """Take up to ``limit`` ready messages of ``queue``, oldest first, without a consumer.

        Inside the block each delivery is settled as a consumed one would be: ``ack`` removes
        it, ``nack(requeue=True)`` puts it back, ``reject`` dead-letters it. Deliveries still
        unsettled when the block exits go back to the queue (marked redelivered), as they
        would if the process died meanwhile. Raises ``BrokerError`` for an unknown queue.
        """
        ...

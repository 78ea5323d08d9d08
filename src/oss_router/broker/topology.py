"""Exchanges, queues and bindings of oss-router, declared at start-up by every process.

- ``oss_router.dispatch`` (direct, key = channel) → quorum queue per channel, dead-lettering to
  ``oss_router.dead`` (key = channel) → one dead-letter queue per channel.
- ``oss_router.retry`` (direct, key = ``<channel>.<delay>ms``) → one queue per channel and delay
  tier whose messages expire after the delay and dead-letter back to ``oss_router.dispatch``.
- ``oss_router.results`` (direct, key = ``result``) → ``oss_router.results`` queue (tracker).
- ``oss_router.status`` (fan-out): status changes, one transient queue per live gateway.
- ``oss_router.inbound`` (direct, key = ``inbound``) → ``oss_router.inbound`` quorum queue
  (the registrar: what partners sent, published by the workers), dead-lettering to
  ``oss_router.dead`` (key = ``inbound``) → ``oss_router.dead.inbound``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from oss_router.messages.codes import Channel

DISPATCH_EXCHANGE = "oss_router.dispatch"
RETRY_EXCHANGE = "oss_router.retry"
DEAD_LETTER_EXCHANGE = "oss_router.dead"
RESULTS_EXCHANGE = "oss_router.results"
RESULTS_QUEUE = "oss_router.results"
RESULTS_KEY = "result"
RESULTS_DEAD_QUEUE = "oss_router.dead.results"
STATUS_EXCHANGE = "oss_router.status"
INBOUND_EXCHANGE = "oss_router.inbound"
INBOUND_QUEUE = "oss_router.inbound"
INBOUND_KEY = "inbound"
INBOUND_DEAD_QUEUE = "oss_router.dead.inbound"

# Deliveries beyond this count are dead-lettered by the broker itself (a poison message that
# crashes its consumer every time must not circulate forever).
DEFAULT_DELIVERY_LIMIT = 20


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    type: Literal["direct", "fanout"] = "direct"


@dataclass(frozen=True)
class QueueSpec:
    name: str
    quorum: bool = True
    message_ttl_ms: int | None = None
    dead_letter_exchange: str | None = None
    dead_letter_routing_key: str | None = None
    delivery_limit: int | None = None


@dataclass(frozen=True)
class Binding:
    exchange: str
    queue: str
    routing_key: str


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[ExchangeSpec, ...]
    queues: tuple[QueueSpec, ...]
    bindings: tuple[Binding, ...]


def dispatch_queue(channel: Channel | str) -> str:
    return f"{DISPATCH_EXCHANGE}.{channel}"


def dead_letter_queue(channel: Channel | str) -> str:
    return f"{DEAD_LETTER_EXCHANGE}.{channel}"


def retry_queue(channel: Channel | str, delay_ms: int) -> str:
    return f"{RETRY_EXCHANGE}.{channel}.{delay_ms}ms"


def retry_routing_key(channel: Channel | str, delay_ms: int) -> str:
    return f"{channel}.{delay_ms}ms"


def build_topology(
    channels: Iterable[Channel],
    retry_delays_ms: Sequence[int],
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
) -> Topology:
    queues: list[QueueSpec] = []
    bindings: list[Binding] = []
    for channel in channels:
        channel_queues, channel_bindings = _channel_topology(
            channel, retry_delays_ms, delivery_limit
        )
        queues += channel_queues
        bindings += channel_bindings
    queues += [
        QueueSpec(
            RESULTS_QUEUE,
            dead_letter_exchange=DEAD_LETTER_EXCHANGE,
            dead_letter_routing_key=RESULTS_KEY,
            delivery_limit=delivery_limit,
        ),
        QueueSpec(RESULTS_DEAD_QUEUE),
        QueueSpec(
            INBOUND_QUEUE,
            dead_letter_exchange=DEAD_LETTER_EXCHANGE,
            dead_letter_routing_key=INBOUND_KEY,
            delivery_limit=delivery_limit,
        ),
        QueueSpec(INBOUND_DEAD_QUEUE),
    ]
    bindings += [
        Binding(RESULTS_EXCHANGE, RESULTS_QUEUE, RESULTS_KEY),
        Binding(DEAD_LETTER_EXCHANGE, RESULTS_DEAD_QUEUE, RESULTS_KEY),
        Binding(INBOUND_EXCHANGE, INBOUND_QUEUE, INBOUND_KEY),
        Binding(DEAD_LETTER_EXCHANGE, INBOUND_DEAD_QUEUE, INBOUND_KEY),
    ]
    exchanges = (
        ExchangeSpec(DISPATCH_EXCHANGE),
        ExchangeSpec(RETRY_EXCHANGE),
        ExchangeSpec(DEAD_LETTER_EXCHANGE),
        ExchangeSpec(RESULTS_EXCHANGE),
        ExchangeSpec(STATUS_EXCHANGE, "fanout"),
        ExchangeSpec(INBOUND_EXCHANGE),
    )
    return Topology(exchanges, tuple(queues), tuple(bindings))


def _channel_topology(
    channel: Channel, retry_delays_ms: Sequence[int], delivery_limit: int
) -> tuple[list[QueueSpec], list[Binding]]:
    main = QueueSpec(
        dispatch_queue(channel),
        dead_letter_exchange=DEAD_LETTER_EXCHANGE,
        dead_letter_routing_key=str(channel),
        delivery_limit=delivery_limit,
    )
    dead = QueueSpec(dead_letter_queue(channel))
    queues = [main, dead]
    bindings = [
        Binding(DISPATCH_EXCHANGE, main.name, str(channel)),
        Binding(DEAD_LETTER_EXCHANGE, dead.name, str(channel)),
    ]
    for delay in sorted(set(retry_delays_ms)):
        tier = QueueSpec(
            retry_queue(channel, delay),
            message_ttl_ms=delay,
            dead_letter_exchange=DISPATCH_EXCHANGE,
            dead_letter_routing_key=str(channel),
        )
        queues.append(tier)
        bindings.append(Binding(RETRY_EXCHANGE, tier.name, retry_routing_key(channel, delay)))
    return queues, bindings

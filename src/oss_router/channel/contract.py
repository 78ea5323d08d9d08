"""The contract every channel adapter implements.

Adapters receive a typed envelope and return a typed answer, or raise one of the two errors
below. They never touch the database, FastAPI or the broker: the worker runtime owns those.

Versions of the contract (``CONTRACT_VERSION``; docs/adapters.md):

1. sending: ``send``, ``health``, ``aclose`` (``ChannelAdapter``).
2. receiving as well (``ReceivingAdapter``): ``receive`` what partners sent, ``acknowledge``
   it once it is safe in our broker, and ``reply`` to a partner about a request we received.
   An adapter of version 1 still loads and sends; its worker simply receives nothing, and a
   reply staged for its channel fails permanently with a reason that says so.
3. conversing as well (``ConversingAdapter``): ``send_message`` carries a follow-up,
   reminder, additional information, acknowledgement, answer or spontaneous information
   (with its attachments) to the partner; what the partner sends back arrives through
   ``receive`` as a ``PartnerMessage`` of type ``message``. A message staged for a channel
   whose adapter is older fails permanently with a reason that says so.

A stub adapter may also play its partner on command (``PartnerSimulator``), for
``oss-router simulate inbound``; a real adapter does not implement it.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator

from oss_router.messages.codes import Channel, Outcome, RefusalGround
from oss_router.messages.conversation import MessageEnvelope
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.messages.inbound import PartnerMessage, ReplyEnvelope
from oss_router.messages.simulation import SimulationOrder

ENTRY_POINT_GROUP = "oss_router.adapters"
CONTRACT_VERSION = 3


class AdapterAnswer(BaseModel):
    """The channel's answer to one dispatch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: Outcome
    answer: dict[str, Any]
    # Directive (EU) 2023/977 Art. 6(1): only on a refused request under the Directive.
    refusal_ground: RefusalGround | None = None
    # A refusal in the channel's own words (or a free reason) where the Directive's grounds
    # do not apply: SIRENE, INTERPOL, liaison officers, PCCCs, Europol's third-state partners.
    refusal_reason: str | None = None

    @model_validator(mode="after")
    def _refusal_has_ground(self) -> "AdapterAnswer":
        refused = self.outcome is Outcome.REFUSED
        grounds = (self.refusal_ground is not None) + (self.refusal_reason is not None)
        if refused and grounds != 1:
            raise ValueError(
                "a refusal carries either refusal_ground (Directive 2023/977 Art. 6(1)) or "
                "refusal_reason (the channel's own words), not both and not neither"
            )
        if not refused and grounds:
            raise ValueError("refusal_ground and refusal_reason belong to outcome 'refused' only")
        return self


class ReplyReceipt(BaseModel):
    """The channel's acknowledgement of one reply: the partner's reference of our message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partner_message_reference: str


class ChannelError(Exception):
    """Base of the errors an adapter may raise."""


class RetriableChannelError(ChannelError):
    """The channel could not take the message now (timeout, unavailable); try again later."""


class PermanentChannelError(ChannelError):
    """The channel rejected the message for good (malformed, unknown recipient)."""


class AdapterConfigError(Exception):
    """A configured channel has no adapter, or its configuration is invalid."""


@runtime_checkable
class ChannelAdapter(Protocol):
    """One channel's client, as the worker runtime sees it."""

    @property
    def channel(self) -> Channel: ...

    async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
        """Deliver the envelope and return the channel's answer."""
        ...

    async def health(self) -> bool:
        """Whether the channel can be reached now."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once at shutdown."""
        ...


@runtime_checkable
class ReceivingAdapter(ChannelAdapter, Protocol):
    """Version 2: a channel adapter that also receives from partners and replies to them.

    Delivery from the channel is at least once: a message ``receive`` returned and that is not
    acknowledged is offered again (to this worker or another one), as a channel's message
    store keeps what its client did not confirm. ``PartnerMessage.message_id`` is derived from
    the channel and the partner's reference (``partner_message_id``), so a message offered twice
    keeps its id, and the registrar registers it once.
    """

    async def receive(self, limit: int, *, wait_seconds: float) -> Sequence[PartnerMessage]:
        """Up to ``limit`` messages not acknowledged yet, oldest first.

        A long poll: when none is waiting, wait up to ``wait_seconds`` for the first one (an
        event, a socket, a server-side long poll: not a busy loop) and return ``[]`` if none
        came. A channel that cannot wait returns ``[]`` at once; the worker then backs off.
        Raises ``RetriableChannelError`` when the channel cannot be reached now.
        """
        ...

    async def acknowledge(self, message_ids: Sequence[UUID]) -> None:
        """The messages are safely in our broker (published and confirmed): the channel may
        forget them. Acknowledging an id twice, or one it no longer knows, is harmless."""
        ...

    async def reply(self, envelope: ReplyEnvelope) -> ReplyReceipt:
        """Deliver one reply to the partner of the request it is about.

        Idempotent on ``envelope.reply_id``: a reply delivered again (a worker that died before
        acknowledging it, a broker restart) must reach the partner once — pass the id as the
        channel's own message id or idempotency key, and return the first receipt. Raises
        ``RetriableChannelError`` (tried again through the retry tiers) or
        ``PermanentChannelError`` (reported failed, dead-lettered) like ``send``.
        """
        ...


@runtime_checkable
class ConversingAdapter(ReceivingAdapter, Protocol):
    """Version 3: a receiving adapter that also carries the messages of a conversation."""

    async def send_message(self, envelope: MessageEnvelope) -> ReplyReceipt:
        """Deliver one message (and its attachments) to the partner.

        Idempotent on ``envelope.exchange_message_id``, as ``reply`` is on ``reply_id``; the
        partner's answers come back through ``receive``. Raises ``RetriableChannelError`` or
        ``PermanentChannelError`` like ``send``.
        """
        ...


@runtime_checkable
class PartnerSimulator(Protocol):
    """A stub adapter that plays its partner: sends simulated requests on command."""

    async def simulate(self, order: SimulationOrder) -> int:
        """Make the partner send ``order.count`` requests now; returns how many it queued.
        The same order handed over twice queues the same requests (same partner references)."""
        ...


class AdapterFactory(Protocol):
    """What the entry point of an adapter resolves to.

    ``config`` holds the environment variables ``OSS_ROUTER_ADAPTER_<CHANNEL>_<KEY>`` with the
    prefix stripped and the key lower-cased (e.g. ``latency_ms``). A factory raises
    ``AdapterConfigError`` when the configuration is invalid.
    """

    def __call__(self, config: Mapping[str, str]) -> ChannelAdapter: ...

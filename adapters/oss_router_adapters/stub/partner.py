"""The partner a stub adapter plays: it sends requests, takes replies, sometimes clarifies.

What the partner sent stays offered until the worker acknowledges it, and a message handed out
and not acknowledged within ``visibility_seconds`` is offered again, as a channel's message
store does. With ``partner_dir`` the partner's side is kept in files there (what it sent, what
was acknowledged, the replies it received), so it outlives the worker process: a worker killed
with ``-9`` leaves the unacknowledged messages to its successor, as a real channel would, and a
reply delivered again after a restart is recognised by its id. Without it, the partner lives in
the worker's memory (the embedded demo).

Waiting costs nothing: ``receive`` waits on an ``asyncio.Event`` (set by ``simulate`` and by a
clarification) with a timeout until the next message due at the configured rate.

Conversations (issue 15): ``send_message`` takes a message of ours once (its receipt is
remembered, and spooled with ``partner_dir``); a question is answered and a reminder
acknowledged at ``message_answer_rate`` after ``message_answer_delay_ms``, and at
``spontaneous_per_minute`` the partner sends information of its own accord (conversation.py).
"""

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from oss_router.channel.contract import PermanentChannelError, ReplyReceipt
from oss_router.country.loader import load_reference_data
from oss_router.messages.codes import Channel, Kind, ReplyType
from oss_router.messages.conversation import MessageEnvelope
from oss_router.messages.inbound import PartnerMessage, ReplyEnvelope
from oss_router.messages.simulation import SimulationOrder
from oss_router_adapters.stub.conversation import own_accord, receipt_reference, reply_to
from oss_router_adapters.stub.requests import (
    PartnerProfile,
    clarification_message,
    request_message,
)
from oss_router_adapters.stub.settings import StubSettings

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Monotonic = Callable[[], float]

SENT, ACKNOWLEDGED, REPLIES = "sent.jsonl", "acknowledged.jsonl", "replies.jsonl"
MESSAGES = "messages.jsonl"  # the messages of ours it received (conversations)
ANSWERED_KEPT = 1000  # dispatches of ours it answered, that it may send more about
REMEMBERED = 100_000  # acknowledged ids and replies kept in memory for deduplication
CLARIFICATIONS = (
    "The person was last seen in our country on the date given; the case number is attached.",
    "The request concerns the registration holder, not the current driver.",
    "The document was presented at a road check; a copy of both pages is attached.",
)


@dataclass
class _Offer:
    message: PartnerMessage
    available_at: float  # monotonic time from which it is offered (again)


class StubPartner:
    def __init__(
        self,
        channel: Channel,
        kinds: Sequence[Kind],
        profile: PartnerProfile,
        settings: StubSettings,
        *,
        clock: Clock,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.channel = channel
        self._kinds = sorted(kinds)
        self._profile = profile
        self._settings = settings
        self._clock = clock
        self._monotonic = monotonic
        self._offers: OrderedDict[UUID, _Offer] = OrderedDict()
        self._acknowledged: OrderedDict[UUID, None] = OrderedDict()
        self._replies: OrderedDict[UUID, ReplyReceipt] = OrderedDict()
        self._messages: OrderedDict[UUID, ReplyReceipt] = OrderedDict()
        self._answered: OrderedDict[UUID, str] = OrderedDict()  # dispatch id -> its country
        self._arrived = asyncio.Event()
        self._spool = _Spool(Path(settings.partner_dir)) if settings.partner_dir else None
        self._interval = 60.0 / settings.inbound_per_minute if settings.inbound_per_minute else None
        self._next_at = self._monotonic() + self._interval if self._interval else None
        self._emitted = 0
        own = settings.spontaneous_per_minute
        self._own_interval = 60.0 / own if own else None
        self._next_own_at = self._monotonic() + self._own_interval if self._own_interval else None
        self._own_emitted = 0
        self.duplicate_replies = 0
        self.duplicate_messages = 0
        if self._spool is not None:
            self._load(self._spool)

    # -- what the worker calls ---------------------------------------------------------------

    async def receive(self, limit: int, *, wait_seconds: float) -> list[PartnerMessage]:
        deadline = self._monotonic() + wait_seconds
        while True:
            self._emit_due()
            ready = self._take(limit)
            now = self._monotonic()
            if ready or now >= deadline:
                return ready
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), self._wake_at(deadline) - now)

    async def acknowledge(self, message_ids: Sequence[UUID]) -> None:
        fresh = [mid for mid in message_ids if mid not in self._acknowledged]
        for message_id in fresh:
            self._offers.pop(message_id, None)
            _remember(self._acknowledged, message_id, None)
        if self._spool is not None and fresh:
            self._spool.append(ACKNOWLEDGED, [{"message_id": str(mid)} for mid in fresh])

    async def reply(self, envelope: ReplyEnvelope) -> ReplyReceipt:
        if envelope.channel is not self.channel:
            raise PermanentChannelError(f"{envelope.channel} reply sent to the {self.channel}")
        known = self._replies.get(envelope.reply_id)
        first = known is None
        receipt = known or ReplyReceipt(
            partner_message_reference=f"{self._profile.reference_prefix}-ACK-"
            f"{envelope.reply_id.hex[:12].upper()}"
        )
        if first:
            # What it sends back is on its side before the reply counts as received: a worker
            # killed in between gets the reply again, takes it in as new and offers the same
            # answer (the same id) again; the other order would lose the answer for good.
            if envelope.reply_type is ReplyType.CLARIFICATION_REQUEST:
                self._maybe_clarify(envelope)
            _remember(self._replies, envelope.reply_id, receipt)
        else:
            self.duplicate_replies += 1  # delivered again: the partner recognises its id
        if self._spool is not None:
            self._spool.append(REPLIES, [_reply_line(envelope, receipt, first)])
        return receipt

    async def take_message(self, envelope: MessageEnvelope) -> ReplyReceipt:
        """A message of ours, received once: delivered again, it gets its first receipt."""
        if envelope.channel is not self.channel:
            raise PermanentChannelError(f"{envelope.channel} message sent to the {self.channel}")
        known = self._messages.get(envelope.exchange_message_id)
        first = known is None
        receipt = known or ReplyReceipt(
            partner_message_reference=receipt_reference(self._profile, envelope.exchange_message_id)
        )
        if first:
            self._maybe_reply(envelope)  # before the take-in is recorded, as in ``reply``
            _remember(self._messages, envelope.exchange_message_id, receipt)
        else:
            self.duplicate_messages += 1
        if self._spool is not None:
            self._spool.append(MESSAGES, [_message_line(envelope, receipt, first)])
        return receipt

    def saw_dispatch(self, dispatch_id: UUID, country: str) -> None:
        """A dispatch of ours it answered: it may send additional information about it."""
        self._answered[dispatch_id] = country
        if len(self._answered) > ANSWERED_KEPT:
            self._answered.popitem(last=False)

    async def simulate(self, order: SimulationOrder) -> int:
        now, start = self._clock(), self._monotonic()
        step = self._settings.send_interval_ms / 1000
        queued: list[_Offer] = []
        for index in range(order.count):
            message = request_message(
                self._profile,
                self.channel,
                self._kinds,
                seed=self._settings.seed,
                key=f"{order.message_id}:{index}",
                urgent=True if order.urgent else None,
                now=now,
            )
            if message.message_id in self._offers or message.message_id in self._acknowledged:
                continue  # the same order delivered again: the same requests, not new ones
            queued.append(_Offer(message, start + index * step))
        self._offer(queued)
        return len(queued)

    # -- internals ---------------------------------------------------------------------------

    def _offer(self, offers: Sequence[_Offer]) -> None:
        # An answer made again (its question taken in again after a crash) that is already
        # waiting, or was already received and acknowledged, is not sent twice.
        offers = [
            offer
            for offer in offers
            if offer.message.message_id not in self._offers
            and offer.message.message_id not in self._acknowledged
        ]
        if not offers:
            return
        if self._spool is not None:  # on the partner's side first, as a channel would
            self._spool.append(
                SENT, [{"message": o.message.model_dump(mode="json")} for o in offers]
            )
        for offer in offers:
            self._offers[offer.message.message_id] = offer
        self._arrived.set()

    def _take(self, limit: int) -> list[PartnerMessage]:
        now = self._monotonic()
        taken: list[PartnerMessage] = []
        for offer in self._offers.values():
            if len(taken) >= limit:
                break
            if offer.available_at <= now:
                offer.available_at = now + self._settings.visibility_seconds
                taken.append(offer.message)
        return taken

    def _wake_at(self, deadline: float) -> float:
        times = [deadline, *(offer.available_at for offer in self._offers.values())]
        if self._next_at is not None:
            times.append(self._next_at)
        if self._next_own_at is not None:
            times.append(self._next_own_at)
        return max(self._monotonic(), min(times))

    def _emit_due(self) -> None:
        self._emit_own_due()
        if self._interval is None or self._next_at is None:
            return
        now, due = self._monotonic(), []
        while self._next_at <= now:
            self._emitted += 1
            stamp = int(self._clock().timestamp() * 1000)
            message = request_message(
                self._profile,
                self.channel,
                self._kinds,
                seed=self._settings.seed,
                key=f"rate:{stamp}:{self._emitted}",
                urgent=None,
                now=self._clock(),
            )
            due.append(_Offer(message, now))
            self._next_at += self._interval
        self._offer(due)

    def _emit_own_due(self) -> None:
        """Information of its own accord, at ``spontaneous_per_minute``: about a dispatch of
        ours it answered (every other one, when it answered any), else spontaneous."""
        if self._own_interval is None or self._next_own_at is None:
            return
        now, due = self._monotonic(), []
        while self._next_own_at <= now:
            self._own_emitted += 1
            stamp = int(self._clock().timestamp() * 1000)
            key = f"own:{stamp}:{self._own_emitted}"
            rng = random.Random(f"{self._settings.seed}:{self.channel}:{key}")  # noqa: S311
            about, country = None, None
            if self._answered and rng.random() < 0.5:
                dispatch_id = rng.choice(list(self._answered))
                about, country = str(dispatch_id), self._answered[dispatch_id]
            if country is None:
                country = rng.choice(list(self._profile.countries(load_reference_data())))
            message = own_accord(
                self._profile,
                self.channel,
                country,
                self._authority(country),
                seed=self._settings.seed,
                key=key,
                about=about,
                attachment_rate=self._settings.message_attachment_rate,
                now=self._clock(),
            )
            due.append(_Offer(message, now))
            self._next_own_at += self._own_interval
        self._offer(due)

    def _maybe_reply(self, envelope: MessageEnvelope) -> None:
        """Answer a question of ours, acknowledge a reminder (at ``message_answer_rate``)."""
        rng = random.Random(  # noqa: S311 - a replayable simulation
            f"{self._settings.seed}:answer:{envelope.exchange_message_id}"
        )
        if rng.random() >= self._settings.message_answer_rate:
            return
        message = reply_to(
            envelope,
            self._profile,
            self._authority(envelope.country),
            seed=self._settings.seed,
            attachment_rate=self._settings.message_attachment_rate,
            now=self._clock(),
        )
        if message is None:
            return
        delay = self._settings.message_answer_delay_ms / 1000
        self._offer([_Offer(message, self._monotonic() + delay)])

    def _authority(self, country: str) -> str:
        reference_data = load_reference_data()
        return self._profile.authority(country, reference_data.countries.get(country, country))

    def _maybe_clarify(self, envelope: ReplyEnvelope) -> None:
        rng = random.Random(f"{self._settings.seed}:clarify:{envelope.reply_id}")  # noqa: S311
        if rng.random() >= self._settings.clarification_answer_rate:
            return
        reference_data = load_reference_data()
        country = envelope.country
        authority = self._profile.authority(country, reference_data.countries.get(country, country))
        request = PartnerMessage(
            message_id=envelope.message_id,
            channel=self.channel,
            partner_reference=envelope.partner_reference,
            requesting_country=country,
            requesting_authority=authority,
            received_at=self._clock(),
            handling_code=envelope.handling_code,
            correlation_id=envelope.correlation_id,
        )
        text = rng.choice(CLARIFICATIONS)
        answer = clarification_message(request, str(envelope.reply_id), text, self._clock())
        self._offer([_Offer(answer, self._monotonic())])

    def _load(self, spool: "_Spool") -> None:
        acknowledged = {line["message_id"] for line in spool.read(ACKNOWLEDGED)}
        for mid in acknowledged:
            _remember(self._acknowledged, UUID(mid), None)
        now = self._monotonic()
        for line in spool.read(SENT):
            try:
                message = PartnerMessage.model_validate(line["message"])
            except (KeyError, ValidationError):
                continue
            if str(message.message_id) not in acknowledged:
                self._offers[message.message_id] = _Offer(message, now)
        for line in spool.read(REPLIES):
            if line.get("first"):
                receipt = ReplyReceipt(partner_message_reference=line["receipt"])
                _remember(self._replies, UUID(line["reply_id"]), receipt)
        for line in spool.read(MESSAGES):
            if line.get("first"):
                receipt = ReplyReceipt(partner_message_reference=line["receipt"])
                _remember(self._messages, UUID(line["exchange_message_id"]), receipt)
        if self._offers:
            log.info(
                "stub partner %s: %d message(s) not acknowledged yet",
                self.channel,
                len(self._offers),
            )


class _Spool:
    """Append-only JSON-lines files of the partner's side; a torn last line is skipped."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._directory = directory

    def append(self, name: str, lines: Sequence[dict[str, Any]]) -> None:
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
        with (self._directory / name).open("a", encoding="utf-8") as file:
            file.write(text)

    def read(self, name: str) -> list[dict[str, Any]]:
        path = self._directory / name
        if not path.exists():
            return []
        lines = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                lines.append(json.loads(raw))
        return lines


def _reply_line(envelope: ReplyEnvelope, receipt: ReplyReceipt, first: bool) -> dict[str, Any]:
    return {
        "reply_id": str(envelope.reply_id),
        "inbound_id": str(envelope.inbound_id),
        "reply_type": str(envelope.reply_type),
        "partner_reference": envelope.partner_reference,
        "receipt": receipt.partner_message_reference,
        "first": first,
    }


def _message_line(envelope: MessageEnvelope, receipt: ReplyReceipt, first: bool) -> dict[str, Any]:
    return {
        "exchange_message_id": str(envelope.exchange_message_id),
        "type": str(envelope.type),
        "dispatch_id": str(envelope.dispatch_id) if envelope.dispatch_id else None,
        "inbound_id": str(envelope.inbound_id) if envelope.inbound_id else None,
        "attachments": len(envelope.attachments),
        "receipt": receipt.partner_message_reference,
        "first": first,
    }


def _remember(memory: "OrderedDict[UUID, Any]", key: UUID, value: Any) -> None:
    memory[key] = value
    if len(memory) > REMEMBERED:
        memory.popitem(last=False)

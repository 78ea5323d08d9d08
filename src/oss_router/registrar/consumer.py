"""Consumes the ``oss_router.inbound`` queue: each partner message registered exactly once.

A message of a conversation (type ``message``: a partner's follow-up, answer, acknowledgement,
additional or spontaneous information) is registered by ``conversations.incoming`` in the same
way, once; its live notice is published after the commit.

For a request: the national check first, outside any transaction (``check_subject`` never
raises for a register's sake), then a unit of work (``service.py``), then the ack — after
the commit, so that a crash in between only causes a redelivery, which the inbox and the
unique (channel, partner_reference) absorb. Messages checked while a transaction is being
written wait and go in the next one together (one inbox claim, one insert, one commit, one
audit-chain lock, one notice publish for the batch); after a small batch the next one waits
``idle_linger`` for company, never longer than until the prefetch window is full. A batch that
fails is applied again one
message per transaction, which tells the message that failed from the others. A message that
can never be registered (malformed, or refused by the registration's own rules) is
dead-lettered to ``oss_router.dead.inbound`` with its reason in the log. While the database is
unreachable the delivery is held and tried again (not requeued: it would use up its delivery
limit).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text

from oss_router.aio import first_completed
from oss_router.broker.contract import Broker, Consumer, Delivery
from oss_router.broker.topology import INBOUND_QUEUE
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker
from oss_router.errors import ProblemError
from oss_router.inbound.schemas import InboundRegistration
from oss_router.live.notices import publish_notices
from oss_router.messages.codes import Kind
from oss_router.messages.inbound import PartnerMessage
from oss_router.registers.service import NationalCheck
from oss_router.registrar import service
from oss_router.telemetry import context, metrics
from oss_router.telemetry.logs import describe_validation_error
from oss_router.unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

ERROR_PAUSE_SECONDS = 1.0
# A batch at least this large means messages arrive faster than they are written: the next
# one starts without the idle linger.
BUSY_BATCH = 4
Checker = Callable[[Kind, Mapping[str, Any]], Awaitable[NationalCheck]]


class Registrar:
    def __init__(
        self,
        sessions: SessionMaker,
        broker: Broker,
        *,
        check: Checker,
        prefetch: int = 16,
        idle_linger_seconds: float = 0.0,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._check = check
        self._prefetch = prefetch
        self._idle_linger = idle_linger_seconds
        self._clock = clock
        self._stopping = asyncio.Event()
        self._batch_size = prefetch  # every message in flight may join one batch
        self._pending: list[_Pending] = []
        self._arrived = asyncio.Event()
        self._window_full = asyncio.Event()  # as many messages in flight as prefetched
        self._writer_stop = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.in_flight = 0
        self.batches = 0  # transactions of the batch writer (observability, tests)
        self.handled: dict[str, int] = {}  # outcome -> count (observability, tests)

    async def start(self) -> Consumer:
        self._stopping.clear()
        self._writer_stop.clear()
        self._writer = asyncio.create_task(self._write_batches(), name="registrar-writer")
        consumer = await self._broker.consume(INBOUND_QUEUE, self.handle, prefetch=self._prefetch)
        return _RegistrarConsumer(self, consumer)

    async def _stop_writer(self) -> None:
        """Once the consumer is cancelled (no handler is waiting for a batch any more)."""
        self._writer_stop.set()
        if self._writer is not None:
            await self._writer
            self._writer = None

    async def handle(self, delivery: Delivery) -> None:
        correlation = context.from_headers(delivery.headers, delivery.correlation_id)
        with context.bound(correlation, "registrar"):
            self.in_flight += 1
            if self.in_flight >= self._prefetch:
                self._window_full.set()
            try:
                await self._handle(delivery)
            finally:
                self.in_flight -= 1

    async def _handle(self, delivery: Delivery) -> None:
        try:
            message = PartnerMessage.model_validate_json(delivery.body)
            registration = service.registration_of(message) if message.type == "request" else None
        except ValidationError as error:
            await self._refuse(delivery, describe_validation_error(error))
            return
        except ProblemError as error:  # a request our API would refuse too
            await self._refuse(delivery, _problem(error))
            return
        check = None
        if registration is not None:
            check = await self._check(registration.kind, message.subject or {})
        outcome = await self._batched(_Pending(message, registration, check))
        if outcome is None:  # its batch failed: on its own, which tells what failed
            outcome = await self._alone(delivery, message, registration, check)
            if outcome is None:
                return
        await delivery.ack()
        self._count(outcome)
        log.log(
            logging.INFO if outcome != "registered" else logging.DEBUG,
            "registrar: %s %s %s",
            message.channel,
            message.partner_reference,
            outcome,
        )

    async def _batched(self, pending: "_Pending") -> service.Outcome | None:
        """Its outcome once the batch holding it is committed; None when that batch failed."""
        self._pending.append(pending)
        self._arrived.set()
        return await pending.done

    async def _alone(
        self,
        delivery: Delivery,
        message: PartnerMessage,
        registration: InboundRegistration | None,
        check: NationalCheck | None,
    ) -> service.Outcome | None:
        """One transaction of its own; None when it was dead-lettered (refused)."""
        while True:
            try:
                [outcome] = await self._apply([_Pending(message, registration, check)])
                return outcome
            except ProblemError as error:  # the registration's own rules refused it
                await self._refuse(delivery, _problem(error))
                return None
            except Exception:
                if self._stopping.is_set() or await self._database_ok():
                    raise  # a poison message: put back; its delivery limit dead-letters it
                log.warning("registrar: database unreachable; holding %s", delivery.message_id)
                await asyncio.sleep(ERROR_PAUSE_SECONDS)

    async def _write_batches(self) -> None:
        """Under load the handlers' messages wait here while a batch is written, and go in the
        next one together: one transaction, one audit-chain lock and one notice publish for
        all of them. After a small batch (a low rate) the next one waits ``idle_linger`` for
        company first: at a steady trickle each message would otherwise pay the whole fixed
        cost of a transaction alone (decision 0037). Under load batches fill by themselves
        and are written at once."""
        last = 0  # messages in the previous batch
        while True:
            if not self._pending:
                self._arrived.clear()
                if await first_completed(self._arrived.wait(), self._writer_stop.wait()) == 1:
                    return
            if self._idle_linger and last < BUSY_BATCH:
                await self._linger_for_company()
            await asyncio.sleep(0)  # handlers ready now join this batch
            batch = self._pending[: self._batch_size]
            del self._pending[: len(batch)]
            last = len(batch)
            try:
                outcomes: list[service.Outcome | None] = list(await self._apply(batch))
            except Exception as error:
                if len(batch) > 1:
                    log.info("registrar: a batch of %d failed (%r); one by one", len(batch), error)
                outcomes = [None] * len(batch)
            self.batches += 1
            for pending, outcome in zip(batch, outcomes, strict=True):
                if not pending.done.done():
                    pending.done.set_result(outcome)

    async def _linger_for_company(self) -> None:
        """Up to ``idle_linger``; over at once when the prefetch window is full: no other
        message can arrive before some are acknowledged, and waiting would only stall them
        (the messages still being checked join the next batch)."""
        self._window_full.clear()
        if self.in_flight >= self._prefetch or self._writer_stop.is_set():
            return
        await first_completed(
            asyncio.sleep(self._idle_linger), self._window_full.wait(), self._writer_stop.wait()
        )

    async def _apply(self, batch: Sequence["_Pending"]) -> list[service.Outcome]:
        now = self._clock()
        # Timeline events as rows: nothing here reads them back before the commit, which writes
        # them with the audit entries and the chain head's move in one statement (PostgreSQL).
        async with unit_of_work(self._sessions, events_as_rows=True) as work:
            outcomes = await _apply_all(work, batch, now)
        # Committed: the live screens hear of it (best effort; they also poll).
        await publish_notices(self._broker, work.notices)
        return outcomes

    async def _refuse(self, delivery: Delivery, reason: str) -> None:
        # The reason names fields, not their values: a partner message holds personal data.
        log.error("registrar: message %s dead-lettered: %s", delivery.message_id, reason)
        await delivery.reject()
        self._count("malformed")
        metrics.DEAD_LETTERS.labels("inbound").inc()

    def _count(self, outcome: str) -> None:
        self.handled[outcome] = self.handled.get(outcome, 0) + 1
        metrics.INBOUND_HANDLED.labels(outcome).inc()

    async def _database_ok(self) -> bool:
        try:
            async with self._sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True


@dataclass
class _Pending:
    """A partner message checked and waiting for its batch; ``done``: its outcome, or None
    when the batch failed and it is to be applied on its own."""

    message: PartnerMessage
    registration: InboundRegistration | None
    check: NationalCheck | None
    done: "asyncio.Future[service.Outcome | None]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


async def _apply_all(
    work: UnitOfWork, batch: Sequence[_Pending], now: datetime
) -> list[service.Outcome]:
    """Each message's outcome, in order. The requests first and together (one inbox claim,
    one lookup of related requests, one insert: decision 0037), then the clarifications and
    conversation messages one by one (a follow-up about a request of the same batch finds it
    registered)."""
    claimed = await service.claim_requests(work, [pending.message for pending in batch], now)
    outcomes: dict[int, service.Outcome] = {}
    fresh: list[int] = []
    for index, pending in enumerate(batch):
        if pending.registration is None:
            continue
        if pending.message.message_id in claimed:
            claimed.discard(pending.message.message_id)  # a second copy is a duplicate
            fresh.append(index)
        else:
            outcomes[index] = "duplicate"  # processed before
    requests = [_request(batch[index]) for index in fresh]
    outcomes.update(zip(fresh, await service.register_requests(work, requests, now), strict=True))
    for index, pending in enumerate(batch):
        if index not in outcomes:
            outcomes[index] = await _apply_other(work, pending, now)
    return [outcomes[index] for index in range(len(batch))]


def _request(
    pending: _Pending,
) -> tuple[PartnerMessage, InboundRegistration, NationalCheck | None]:
    assert pending.registration is not None
    return pending.message, pending.registration, pending.check


async def _apply_other(work: UnitOfWork, pending: _Pending, now: datetime) -> service.Outcome:
    """A clarification or a conversation message (no registration of its own)."""
    if pending.message.type == "message":
        return await service.take_message(work, pending.message, now)
    return await service.take_clarification(work, pending.message, now)


def _problem(error: ProblemError) -> str:
    """The refusal in words: the fields and what is wrong with them (no values)."""
    fields = "; ".join(f"{item.field}: {item.message}" for item in error.errors)
    return f"{error.detail} ({fields})" if fields else error.detail


class _RegistrarConsumer:
    def __init__(self, registrar: Registrar, consumer: Consumer) -> None:
        self._registrar = registrar
        self._consumer = consumer

    async def cancel(self, *, grace_seconds: float = 0.0) -> None:
        self._registrar._stopping.set()
        try:
            await self._consumer.cancel(grace_seconds=grace_seconds)
        finally:
            await self._registrar._stop_writer()

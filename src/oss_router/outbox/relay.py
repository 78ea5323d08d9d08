"""The relay: publishes outbox rows with publisher confirms and marks their dispatches sent.

On PostgreSQL several relays run at once: each claims rows with ``FOR UPDATE SKIP LOCKED`` and
holds the lock until its batch is confirmed, so no row is published by two relays at the same
time; relays in other processes are woken by ``NOTIFY`` (``outbox.notify``) as soon as a
request's transaction commits. On SQLite one relay publishes, holding a lease
(``outbox.lease``): a second relay on the same file stays idle instead of queueing for SQLite's
single write lock, which the publishing relay holds until its batch is confirmed (instant with
the embedded in-process broker, the SQLite deployment).

A row is marked published only after the broker confirmed it; if the relay dies between the
confirm and the commit, the row is published again and the consumers' idempotency absorbs it.
While the broker is down rows simply stay in the outbox: intake goes on, and they are published
when it is back.
"""

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from oss_router.aio import first_completed, wait_event
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import system_actor
from oss_router.broker.contract import Broker, BrokerError, OutgoingMessage
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker, transaction
from oss_router.dispatch import repository as dispatch_repository
from oss_router.dispatch.lifecycle import is_terminal, should_apply
from oss_router.dispatch.transitions import move_dispatch, refresh_request_status
from oss_router.inbound import reply_repository
from oss_router.messages.codes import DispatchStatus, ReplyStatus
from oss_router.models import ExchangeRequest, OutboxMessage, dialect
from oss_router.outbox import lease, repository
from oss_router.outbox.notify import OutboxListener
from oss_router.telemetry import context, metrics
from oss_router.unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

RELAY_ACTOR = system_actor("relay")  # on timelines and in the audit log alike
LEASE_NAME = "relay"
# After a failure (broker down, database error) the relay waits this long before trying again,
# unless woken: rows stay in the outbox meanwhile.
ERROR_PAUSE_SECONDS = 0.5
# A batch at least this large means rows arrive faster than they are published: the next batch
# starts without lingering (decision 0027).
BUSY_BATCH = 16


class Relay:
    def __init__(
        self,
        sessions: SessionMaker,
        broker: Broker,
        *,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
        linger_seconds: float = 0.0,
        lease_seconds: float = 30.0,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._linger = linger_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._clock = clock
        self._postgres = dialect.is_postgres(sessions.kw["bind"])
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease_until: datetime | None = None
        self.wakeup = asyncio.Event()
        self.listener: OutboxListener | None = None

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        if not self._postgres and not await self._hold_lease():
            return 0
        async with unit_of_work(self._sessions, events_as_rows=True) as uow:
            rows = await repository.unpublished(uow.session, self._batch_size)
            if not rows:
                return 0
            await self._broker.publish([outgoing(row) for row in rows])
            await _mark_published(uow, rows, self._clock())
        _published(rows)
        return len(rows)

    async def _hold_lease(self) -> bool:
        now = self._clock()
        if self._lease_until is not None and now < self._lease_until - self._lease / 2:
            return True
        async with transaction(self._sessions) as session:
            held = await lease.acquire(session, LEASE_NAME, self._holder, now, self._lease)
        if held and self._lease_until is None:
            log.info("relay: holding the SQLite relay lease as %s", self._holder)
        self._lease_until = now + self._lease if held else None
        return held

    async def release_lease(self) -> None:
        if self._lease_until is None:
            return
        async with transaction(self._sessions) as session:
            await lease.release(session, LEASE_NAME, self._holder, self._clock())
        self._lease_until = None

    async def run(self, stop: asyncio.Event, database_url: str | None = None) -> None:
        """Publish until ``stop`` is set; woken by ``wakeup`` (in-process writers, NOTIFY from
        other processes on PostgreSQL) or every ``poll_seconds`` as a fallback."""
        context.component.set("relay")  # this task only: its log lines say "relay"
        listening = None
        if self._postgres and database_url is not None:
            self.listener = OutboxListener(database_url, self.wakeup)
            listening = asyncio.create_task(self.listener.run(stop), name="relay-listen")
        try:
            await self._loop(stop)
        finally:
            if listening is not None:
                await listening
            if not self._postgres:
                await self._release_safely()

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before reading: a row committed while this batch is being published
            # sets it again, and the next wait returns at once.
            self.wakeup.clear()
            published = await self._publish_safely()
            if published >= self._batch_size:
                continue
            pause = self._poll_seconds if published >= 0 else ERROR_PAUSE_SECONDS
            await first_completed(wait_event(self.wakeup, pause), stop.wait())
            if 0 <= published < BUSY_BATCH and self.wakeup.is_set() and self._linger:
                # A small batch: give other rows ``linger`` to share the next one. At a steady
                # low rate every batch would otherwise hold one request's rows and pay the
                # whole fixed cost of a transaction (claim, locks, audit head, commit: about
                # eleven round trips) and a confirm of its own (decision 0027). Under load
                # batches are large and the next one starts at once.
                await wait_event(stop, self._linger)

    async def _publish_safely(self) -> int:
        """Rows published, or -1 after a failure."""
        try:
            return await self.publish_pending()
        except BrokerError as error:
            log.warning("relay: broker unavailable, rows stay in the outbox: %s", error)
        except Exception:
            log.exception("relay: publishing failed, rows stay in the outbox")
        return -1

    async def _release_safely(self) -> None:
        try:
            await self.release_lease()
        except Exception:
            log.exception("relay: lease not released; it expires by itself")


def _published(rows: Sequence[OutboxMessage]) -> None:
    metrics.OUTBOX_PUBLISHED.inc(len(rows))
    # One line per message only at DEBUG: at INFO the hot path writes no log line per message
    # (metrics count them); OSS_ROUTER_LOG_LEVEL=DEBUG follows each one by correlation id.
    if not log.isEnabledFor(logging.DEBUG):
        return
    for row in rows:
        with context.bound(context.from_headers(row.headers)):
            log.debug(
                "published %s to %s/%s",
                row.message_id,
                row.exchange,
                row.routing_key,
                extra={"message_id": str(row.message_id), "dispatch_id": str(row.dispatch_id)},
            )


def outgoing(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=row.exchange,
        routing_key=row.routing_key,
        body=row.body,
        message_id=str(row.message_id),
        headers=row.headers,
        correlation_id=context.from_headers(row.headers),
    )


async def _mark_published(uow: UnitOfWork, rows: Sequence[OutboxMessage], now: datetime) -> None:
    published: dict[UUID, OutboxMessage] = {
        row.dispatch_id: row for row in rows if row.dispatch_id is not None
    }
    replies = [row.reply_id for row in rows if row.reply_id is not None]
    # The requests first, right after the confirm: a fast channel's answer that the tracker
    # applies before this lock makes our "sent" stale (the tracker then records the "sent" it
    # implies: tracker/service.py); every round trip before the lock widens that window. The
    # outbox rows are locked since the claim, so the order of locks is unchanged.
    requests = await _mark_sent(uow, list(published), now) if published else []
    if replies:
        await _mark_replies_sent(uow, replies, now)
    await repository.mark_published(uow.session, [row.id for row in rows], now)
    if published:
        audit.append_at_commit(uow, _disclosures(requests, published), now)


async def _mark_sent(
    uow: UnitOfWork, dispatch_ids: list[UUID], now: datetime
) -> Sequence[ExchangeRequest]:
    # The tracker may be applying an answer to the same dispatch right now (a fast channel
    # answers before the relay commits): locking the requests, in id order like the tracker,
    # makes the relay see that answer and not overwrite it with "sent".
    requests = await dispatch_repository.for_transitions_of_dispatches(uow.session, dispatch_ids)
    wanted = set(dispatch_ids)
    for request in requests:
        for dispatch in request.dispatches:
            if dispatch.id in wanted and _advances_to_sent(dispatch.status):
                move_dispatch(uow, request, dispatch, DispatchStatus.SENT, RELAY_ACTOR, now)
        refresh_request_status(uow, request, RELAY_ACTOR, now)
    return requests


async def _mark_replies_sent(uow: UnitOfWork, reply_ids: list[UUID], now: datetime) -> None:
    """Replies to partners (inbound/): two statements for the whole batch, whatever its size
    (no notice: as for dispatches, screens hear of the delivery from the tracker). Their
    disclosure was audited when the officer replied (inbound/actions.py)."""
    moved = await reply_repository.mark_replies_sent(uow.session, reply_ids, RELAY_ACTOR, now)
    for _reply_id, _inbound_id, channel, reply_type in moved:
        metrics.count_reply(uow, channel, reply_type, ReplyStatus.SENT.value)


def _disclosures(
    requests: Sequence[ExchangeRequest], published: dict[UUID, OutboxMessage]
) -> list[AuditRecord]:
    """One disclosure per dispatch published to its channel (LED Art. 25: recipients)."""
    records = []
    for request in requests:
        for dispatch in request.dispatches:
            row = published.get(dispatch.id)
            if row is None:
                continue
            records.append(
                AuditRecord(
                    Action.DISCLOSURE,
                    Actor.system(RELAY_ACTOR, request.unit),
                    request.id,
                    request.purpose,
                    recipients=[{"channel": dispatch.channel, "country": dispatch.country}],
                    detail={
                        "dispatch_id": str(dispatch.id),
                        "message_id": str(row.message_id),
                        "requested_by": request.created_by,
                    },
                )
            )
    return records


def _advances_to_sent(status: str) -> bool:
    return not is_terminal(status) and should_apply(status, DispatchStatus.SENT)

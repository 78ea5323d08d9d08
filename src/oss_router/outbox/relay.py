"""The relay: publishes outbox rows with publisher confirms and marks their dispatches sent.

On PostgreSQL several relays run at once: each claims rows with ``FOR UPDATE SKIP LOCKED`` and
holds the lock until its batch is confirmed, so no row is published by two relays at the same
time. A row is marked published only after the broker confirmed it; if the relay dies between
the confirm and the commit, the row is published again and the consumers' idempotency absorbs it.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth.principal import SYSTEM
from oss_router.broker.contract import Broker, BrokerError, OutgoingMessage
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker, unit_of_work
from oss_router.messages.codes import DispatchStatus
from oss_router.models import Dispatch, ExchangeRequest, OutboxMessage
from oss_router.request.lifecycle import is_terminal, should_apply
from oss_router.request.service import move_dispatch, refresh_request_status
from oss_router.telemetry import context, metrics

log = logging.getLogger(__name__)

RELAY_ACTOR = f"{SYSTEM.actor}/relay"


class Relay:
    def __init__(
        self,
        sessions: SessionMaker,
        broker: Broker,
        *,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._clock = clock
        self.wakeup = asyncio.Event()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        async with unit_of_work(self._sessions) as session:
            rows = await _claim(session, self._batch_size)
            if not rows:
                return 0
            await self._broker.publish([_outgoing(row) for row in rows])
            await _mark_published(session, rows, self._clock())
        metrics.OUTBOX_PUBLISHED.inc(len(rows))
        _log_published(rows)
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set; woken by ``wakeup`` or every ``poll_seconds``."""
        context.component.set("relay")  # this task only: its log lines say "relay"
        while not stop.is_set():
            published = await self._publish_safely()
            if published >= self._batch_size:
                continue
            await self._sleep(stop)

    async def _publish_safely(self) -> int:
        try:
            return await self.publish_pending()
        except BrokerError as error:
            log.warning("relay: broker unavailable, rows stay in the outbox: %s", error)
        except Exception:
            log.exception("relay: publishing failed, rows stay in the outbox")
        return 0

    async def _sleep(self, stop: asyncio.Event) -> None:
        self.wakeup.clear()
        waiters = [asyncio.ensure_future(self.wakeup.wait()), asyncio.ensure_future(stop.wait())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED), self._poll_seconds
            )
        for waiter in waiters:
            waiter.cancel()


async def _claim(session: AsyncSession, limit: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.published_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


def _log_published(rows: Sequence[OutboxMessage]) -> None:
    for row in rows:
        with context.bound(context.from_headers(row.headers)):
            log.info(
                "published %s to %s/%s",
                row.message_id,
                row.exchange,
                row.routing_key,
                extra={"message_id": str(row.message_id), "dispatch_id": str(row.dispatch_id)},
            )


def _outgoing(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=row.exchange,
        routing_key=row.routing_key,
        body=row.body,
        message_id=str(row.message_id),
        headers=row.headers,
        correlation_id=context.from_headers(row.headers),
    )


async def _mark_published(
    session: AsyncSession, rows: Sequence[OutboxMessage], now: datetime
) -> None:
    for row in rows:
        row.published_at = now
        row.attempts += 1
    dispatch_ids = [row.dispatch_id for row in rows if row.dispatch_id is not None]
    if dispatch_ids:
        await _mark_sent(session, dispatch_ids, now)


async def _mark_sent(session: AsyncSession, dispatch_ids: list[UUID], now: datetime) -> None:
    request_ids = select(Dispatch.request_id).where(Dispatch.id.in_(dispatch_ids))
    query = (
        select(ExchangeRequest)
        .where(ExchangeRequest.id.in_(request_ids))
        .order_by(ExchangeRequest.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        # The tracker may be answering these dispatches right now: lock the requests (in id
        # order, as the tracker does) so that "sent" never overwrites a newer status.
        query = query.with_for_update()
    requests = (await session.scalars(query)).all()
    wanted = set(dispatch_ids)
    for request in requests:
        for dispatch in request.dispatches:
            if dispatch.id in wanted and _advances_to_sent(dispatch.status):
                move_dispatch(session, request, dispatch, DispatchStatus.SENT, RELAY_ACTOR, now)
        refresh_request_status(session, request, RELAY_ACTOR, now)


def _advances_to_sent(status: str) -> bool:
    return not is_terminal(status) and should_apply(status, DispatchStatus.SENT)

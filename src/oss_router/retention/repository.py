"""Queries of the retention purge (outgoing requests, and requests received from partners)."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.dispatch.lifecycle import TERMINAL, TERMINAL_REQUEST_STATUSES
from oss_router.messages.codes import InboundStatus, ReplyStatus
from oss_router.models import (
    Dispatch,
    ExchangeMessage,
    ExchangeRequest,
    InboundEvent,
    InboundReply,
    InboundRequest,
    OutboxMessage,
    RequestEvent,
    dialect,
)

_TERMINAL = [status.value for status in TERMINAL_REQUEST_STATUSES]


def _finished(cutoff: datetime) -> ColumnElement[bool]:
    """Terminal, not purged yet, unchanged since before ``cutoff``, and no dispatch still in
    flight: a failed request may have one (decision 0018), whose answer must find its data."""
    in_flight = exists().where(
        Dispatch.request_id == ExchangeRequest.id,
        Dispatch.status.not_in([status.value for status in TERMINAL]),
    )
    return and_(
        ExchangeRequest.status.in_(_TERMINAL),
        ExchangeRequest.purged_at.is_(None),
        ExchangeRequest.updated_at < cutoff,
        ~in_flight,
    )


async def due_for_purge(
    session: AsyncSession, cutoff: datetime, limit: int
) -> list[ExchangeRequest]:
    """Terminal requests, not purged yet, unchanged since before ``cutoff`` (oldest first)."""
    query = (
        select(ExchangeRequest)
        .where(_finished(cutoff))
        .order_by(ExchangeRequest.updated_at, ExchangeRequest.id)
        .limit(limit)
    )
    # Two purges at once split the work instead of waiting for each other.
    query = dialect.locked(session, query, skip_locked=True)
    return list((await session.scalars(query)).all())


async def count_due(session: AsyncSession, cutoff: datetime) -> int:
    """How many requests ``due_for_purge`` would return with no limit (for progress)."""
    query = select(func.count()).where(_finished(cutoff))
    return int(await session.scalar(query) or 0)


async def events_of(session: AsyncSession, request_ids: Sequence[UUID]) -> list[RequestEvent]:
    query = select(RequestEvent).where(RequestEvent.request_id.in_(request_ids))
    return list((await session.scalars(query)).all())


async def delete_outbox_rows(session: AsyncSession, dispatch_ids: Sequence[UUID]) -> None:
    """Outbox rows keep the whole envelope (subject included) after publication."""
    await session.execute(delete(OutboxMessage).where(OutboxMessage.dispatch_id.in_(dispatch_ids)))


async def erase_messages(
    session: AsyncSession,
    now: datetime,
    *,
    request_ids: Sequence[UUID] = (),
    inbound_ids: Sequence[UUID] = (),
) -> None:
    """The messages of purged threads lose what the purge erases of their thread: their text
    and ``search_text`` (which quote the subject and the references), marked ``purged_at``;
    their outbox rows (text and files' bytes) are deleted. One statement each for the batch."""
    conditions = []
    if request_ids:
        conditions.append(ExchangeMessage.request_id.in_(request_ids))
    if inbound_ids:
        conditions.append(ExchangeMessage.inbound_id.in_(inbound_ids))
    if not conditions:
        return
    ids = select(ExchangeMessage.id).where(or_(*conditions)).scalar_subquery()
    await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.exchange_message_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    statement = (
        update(ExchangeMessage)
        .where(or_(*conditions), ExchangeMessage.purged_at.is_(None))
        .values(search_text=None, body=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)


def _inbound_finished(cutoff: datetime) -> ColumnElement[bool]:
    """Answered or refused, not purged yet, unchanged since before ``cutoff``, and no reply
    still on its way to the partner (its delivery needs its body)."""
    in_flight = exists().where(
        InboundReply.inbound_id == InboundRequest.id,
        InboundReply.status.in_([ReplyStatus.QUEUED.value, ReplyStatus.SENT.value]),
    )
    return and_(
        InboundRequest.status.in_([InboundStatus.ANSWERED.value, InboundStatus.REFUSED.value]),
        InboundRequest.purged_at.is_(None),
        InboundRequest.updated_at < cutoff,
        ~in_flight,
    )


async def inbound_due_for_purge(
    session: AsyncSession, cutoff: datetime, limit: int
) -> list[InboundRequest]:
    """Received requests closed before ``cutoff`` and not purged yet (oldest first)."""
    query = (
        select(InboundRequest)
        .where(_inbound_finished(cutoff))
        .order_by(InboundRequest.updated_at, InboundRequest.id)
        .limit(limit)
    )
    query = dialect.locked(session, query, skip_locked=True)
    return list((await session.scalars(query)).all())


async def count_inbound_due(session: AsyncSession, cutoff: datetime) -> int:
    query = select(func.count()).where(_inbound_finished(cutoff))
    return int(await session.scalar(query) or 0)


async def inbound_events_of(
    session: AsyncSession, inbound_ids: Sequence[UUID]
) -> list[InboundEvent]:
    query = select(InboundEvent).where(InboundEvent.inbound_id.in_(inbound_ids))
    return list((await session.scalars(query)).all())


async def delete_reply_outbox_rows(session: AsyncSession, reply_ids: Sequence[UUID]) -> None:
    """Outbox rows of replies keep the whole envelope (the answer's information included)."""
    if reply_ids:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.reply_id.in_(reply_ids)))

"""Queries on outbox rows; the only place that builds them."""

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, Update, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.db import ByDialect, any_of
from oss_router.messages.codes import IN_FLIGHT_STATUSES, ReplyStatus
from oss_router.models import Dispatch, InboundReply, OutboxMessage


async def unpublished(session: AsyncSession, limit: int) -> list[OutboxMessage]:
    """The oldest unpublished rows, claimed with FOR UPDATE SKIP LOCKED on PostgreSQL, so that
    concurrent relays take disjoint batches (on SQLite one relay holds the lease)."""
    return list((await session.scalars(_UNPUBLISHED.of(session), {"limit": limit})).all())


def _unpublished(postgres: bool) -> Select[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.published_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(bindparam("limit"))
    )
    return query.with_for_update(skip_locked=True) if postgres else query


_UNPUBLISHED = ByDialect(_unpublished)


async def mark_published(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    connection = await session.connection()  # no ORM object of these rows is changed
    await connection.execute(_MARK_PUBLISHED.of(session), {"ids": list(ids), "now": now})


def _mark_published(postgres: bool) -> Update:
    table = cast(Table, OutboxMessage.__table__)
    return (
        update(table)
        .where(any_of(table.c.id, "ids", postgres=postgres), table.c.published_at.is_(None))
        .values(published_at=bindparam("now"), attempts=table.c.attempts + 1)
    )


_MARK_PUBLISHED = ByDialect(_mark_published)


async def published_in_flight(
    session: AsyncSession, after_id: int, limit: int
) -> list[OutboxMessage]:
    """Published rows whose dispatch is still sent or delivered, or whose reply to a partner
    is still sent (inbound/), by id, from ``after_id`` on (keyset pages)."""
    query = (
        select(OutboxMessage)
        .outerjoin(Dispatch, Dispatch.id == OutboxMessage.dispatch_id)
        .outerjoin(InboundReply, InboundReply.id == OutboxMessage.reply_id)
        .where(
            OutboxMessage.published_at.is_not(None),
            OutboxMessage.id > after_id,
            or_(
                Dispatch.status.in_(IN_FLIGHT_STATUSES),
                InboundReply.status == ReplyStatus.SENT.value,
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many rows wait for publication, and when the oldest of them was written."""
    query = select(func.count(), func.min(OutboxMessage.created_at)).where(
        OutboxMessage.published_at.is_(None)
    )
    count, oldest = (await session.execute(query)).one()
    return int(count), oldest

"""Queries of the deadline watch; the only place that builds them."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.dispatch.lifecycle import TERMINAL
from oss_router.inbound.repository import inbound_running
from oss_router.messages.codes import Channel, DispatchStatus
from oss_router.models import Dispatch, ExchangeRequest, InboundRequest, dialect

_TERMINAL = [status.value for status in TERMINAL]


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open, past due, not yet flagged."""
    return (
        Dispatch.overdue_at.is_(None) & (Dispatch.due_at <= now) & Dispatch.status.not_in(_TERMINAL)
    )


def warning_condition(now: datetime, horizon: datetime) -> ColumnElement[bool]:
    """Open, due within the warning horizon but not yet past due, not yet warned."""
    return (
        Dispatch.warned_at.is_(None)
        & Dispatch.overdue_at.is_(None)
        & (Dispatch.due_at > now)
        & (Dispatch.due_at <= horizon)
        & Dispatch.status.not_in(_TERMINAL)
    )


def reminder_condition() -> ColumnElement[bool]:
    """Flagged overdue, still waiting for its answer at the partner, not reminded yet; Prüm
    searches are automated and have no one to remind."""
    return (
        Dispatch.overdue_at.is_not(None)
        & Dispatch.reminded_at.is_(None)
        & Dispatch.status.in_([DispatchStatus.SENT.value, DispatchStatus.DELIVERED.value])
        & (Dispatch.channel != Channel.PRUM.value)
    )


async def candidate_requests(
    session: AsyncSession, condition: ColumnElement[bool], limit: int
) -> list[UUID]:
    """Requests with a dispatch meeting ``condition``, earliest due first."""
    query = (
        select(Dispatch.request_id, Dispatch.due_at)
        .where(condition)
        .order_by(Dispatch.due_at, Dispatch.id)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return list(dict.fromkeys(request_id for request_id, _due in rows))


async def lock_requests(
    session: AsyncSession, request_ids: Iterable[UUID]
) -> list[ExchangeRequest]:
    """The requests, locked the way the tracker locks them (request first, then dispatches).

    On PostgreSQL rows another transaction holds are skipped (``SKIP LOCKED``): the tracker is
    changing them, and the next tick looks again. Taking the request lock first, as every writer
    of dispatch statuses does, is what keeps the watch and the tracker from deadlocking.
    """
    query = (
        select(ExchangeRequest)
        .where(ExchangeRequest.id.in_(list(request_ids)))
        .order_by(ExchangeRequest.id)
    )
    query = dialect.locked(session, query, skip_locked=True)
    return list((await session.scalars(query)).all())


async def overdue_by_channel(session: AsyncSession, now: datetime) -> dict[Channel, int]:
    """Open dispatches past their due time, per channel (flagged by the watch or not yet)."""
    query = (
        select(Dispatch.channel, func.count())
        .where(Dispatch.due_at < now, Dispatch.status.not_in(_TERMINAL))
        .group_by(Dispatch.channel)
    )
    rows = (await session.execute(query)).all()
    return {Channel(channel): int(count) for channel, count in rows}


def inbound_overdue_condition(now: datetime) -> ColumnElement[bool]:
    return InboundRequest.overdue_at.is_(None) & (InboundRequest.due_at <= now) & inbound_running()


def inbound_warning_condition(now: datetime, horizon: datetime) -> ColumnElement[bool]:
    return (
        InboundRequest.warned_at.is_(None)
        & InboundRequest.overdue_at.is_(None)
        & (InboundRequest.due_at > now)
        & (InboundRequest.due_at <= horizon)
        & inbound_running()
    )


async def lock_inbound(
    session: AsyncSession, condition: ColumnElement[bool], limit: int
) -> list[InboundRequest]:
    """Received requests meeting ``condition``, earliest due first, locked; rows another
    transaction holds (an officer's action, the tracker) are skipped until the next tick."""
    query = (
        select(InboundRequest)
        .where(condition)
        .order_by(InboundRequest.due_at, InboundRequest.id)
        .limit(limit)
    )
    query = dialect.locked(session, query, skip_locked=True)
    return list((await session.scalars(query)).all())


async def inbound_overdue_by_channel(session: AsyncSession, now: datetime) -> dict[Channel, int]:
    """Received requests past their due time with their clock running, per channel."""
    query = (
        select(InboundRequest.channel, func.count())
        .where(InboundRequest.due_at < now, inbound_running())
        .group_by(InboundRequest.channel)
    )
    rows = (await session.execute(query)).all()
    return {Channel(channel): int(count) for channel, count in rows}

"""The statistics queries: aggregation happens in the database, on SQLite and PostgreSQL.

Every figure is attributed to the year in which the request was sent (the dispatch was
created), whatever the year of its answer. A dispatch counts as *sent* unless it is still
queued or was cancelled before the relay published it.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, exists, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.messages.codes import (
    IN_FLIGHT_STATUSES,
    DispatchStatus,
    InboundStatus,
    Outcome,
    ReplyType,
)
from oss_router.models import (
    Dispatch,
    ExchangeMessage,
    ExchangeRequest,
    InboundReply,
    InboundRequest,
    RequestEvent,
)
from oss_router.stats.sql import seconds_between

QUEUED = DispatchStatus.QUEUED.value
CANCELLED = DispatchStatus.CANCELLED.value
ANSWERED = DispatchStatus.ANSWERED.value


def _in_year(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Dispatch.created_at >= start, Dispatch.created_at < end)


def _never_sent() -> ColumnElement[bool]:
    cancelled_while_queued = exists().where(
        RequestEvent.request_id == Dispatch.request_id,
        RequestEvent.dispatch_id == Dispatch.id,
        RequestEvent.type == "dispatch_status",
        RequestEvent.from_status == QUEUED,
        RequestEvent.to_status == CANCELLED,
    )
    return or_(Dispatch.status == QUEUED, cancelled_while_queued)


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


async def sent_rows(session: AsyncSession, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per channel, target state and urgency: what became of the requests sent."""
    answered = Dispatch.status == ANSWERED
    query = (
        select(
            Dispatch.channel,
            Dispatch.country,
            ExchangeRequest.urgency,
            func.count().label("sent"),
            _count_if(answered).label("answered"),
            _count_if(and_(answered, Dispatch.answered_at <= Dispatch.due_at)).label(
                "answered_in_time"
            ),
            _count_if(and_(answered, Dispatch.answered_at > Dispatch.due_at)).label(
                "answered_late"
            ),
            _count_if(Dispatch.outcome == Outcome.REFUSED.value).label("refused"),
            _count_if(Dispatch.status == DispatchStatus.FAILED.value).label("failed"),
            _count_if(Dispatch.status == CANCELLED).label("cancelled"),
            _count_if(Dispatch.status.in_(IN_FLIGHT_STATUSES)).label("pending"),
        )
        .join(ExchangeRequest, ExchangeRequest.id == Dispatch.request_id)
        .where(_in_year(start, end), not_(_never_sent()))
        .group_by(Dispatch.channel, Dispatch.country, ExchangeRequest.urgency)
        .order_by(Dispatch.channel, Dispatch.country, ExchangeRequest.urgency)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def refusal_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Refusals received, per channel, target state and ground (Art. 6(1) where given); the
    service keeps those of requests under the Directive."""
    query = (
        select(
            Dispatch.channel,
            Dispatch.country,
            Dispatch.refusal_ground,
            func.count().label("refusals"),
        )
        .where(_in_year(start, end), Dispatch.outcome == Outcome.REFUSED.value)
        .group_by(Dispatch.channel, Dispatch.country, Dispatch.refusal_ground)
        .order_by(Dispatch.country, Dispatch.refusal_ground, Dispatch.channel)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def answer_time_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per channel: answers, and the nearest-rank median and 90th percentile of answer times.

    Nearest rank: the smallest time whose rank r (1-based, ascending) satisfies r >= p * n.
    Window functions give the ranks on both engines (SQLite has no percentile function).
    """
    seconds = seconds_between(Dispatch.created_at, Dispatch.answered_at)
    ranked = (
        select(
            Dispatch.channel.label("channel"),
            seconds.label("seconds"),
            func.row_number().over(partition_by=Dispatch.channel, order_by=seconds).label("rank"),
            func.count().over(partition_by=Dispatch.channel).label("n"),
        )
        .where(_in_year(start, end), Dispatch.status == ANSWERED, Dispatch.answered_at.is_not(None))
        .subquery()
    )
    query = (
        select(
            ranked.c.channel,
            func.max(ranked.c.n).label("answered"),
            func.min(case((ranked.c.rank >= 0.5 * ranked.c.n, ranked.c.seconds))).label(
                "median_seconds"
            ),
            func.min(case((ranked.c.rank >= 0.9 * ranked.c.n, ranked.c.seconds))).label(
                "p90_seconds"
            ),
        )
        .group_by(ranked.c.channel)
        .order_by(ranked.c.channel)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


def _received_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(InboundRequest.received_at >= start, InboundRequest.received_at < end)


def _delayed() -> ColumnElement[bool]:
    return exists().where(
        InboundReply.inbound_id == InboundRequest.id,
        InboundReply.type == ReplyType.DELAY_NOTICE.value,
    )


async def received_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per channel, requesting state and urgency: what became of the requests received."""
    answered = InboundRequest.status == InboundStatus.ANSWERED.value
    closed = [InboundStatus.ANSWERED.value, InboundStatus.REFUSED.value]
    query = (
        select(
            InboundRequest.channel,
            InboundRequest.requesting_country.label("country"),
            InboundRequest.urgency,
            func.count().label("received"),
            _count_if(answered).label("answered"),
            _count_if(and_(answered, InboundRequest.answered_at <= InboundRequest.due_at)).label(
                "answered_in_time"
            ),
            _count_if(and_(answered, InboundRequest.answered_at > InboundRequest.due_at)).label(
                "answered_late"
            ),
            _count_if(InboundRequest.status == InboundStatus.REFUSED.value).label("refused"),
            _count_if(InboundRequest.status.not_in(closed)).label("pending"),
            _count_if(_delayed()).label("delayed"),
        )
        .where(_received_in(start, end))
        .group_by(InboundRequest.channel, InboundRequest.requesting_country, InboundRequest.urgency)
        .order_by(InboundRequest.channel, InboundRequest.requesting_country, InboundRequest.urgency)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def received_refusal_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Refusals of requests received, per channel, requesting state and ground (Art. 6(1))."""
    query = (
        select(
            InboundRequest.channel,
            InboundRequest.requesting_country.label("country"),
            InboundRequest.refusal_ground,
            func.count().label("refusals"),
        )
        .where(_received_in(start, end), InboundRequest.status == InboundStatus.REFUSED.value)
        .group_by(
            InboundRequest.channel, InboundRequest.requesting_country, InboundRequest.refusal_ground
        )
        .order_by(
            InboundRequest.channel, InboundRequest.requesting_country, InboundRequest.refusal_ground
        )
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def delayed_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per channel and requesting state: the received requests with a delay notice."""
    query = (
        select(
            InboundRequest.channel,
            InboundRequest.requesting_country.label("country"),
            func.count().label("deviations"),
        )
        .where(_received_in(start, end), _delayed())
        .group_by(InboundRequest.channel, InboundRequest.requesting_country)
        .order_by(InboundRequest.channel, InboundRequest.requesting_country)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def message_rows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Messages of conversations created in [start, end), by channel, type and direction;
    outgoing ones that failed left out (they never reached the partner)."""
    column = ExchangeMessage
    query = (
        select(column.channel, column.type, column.direction, func.count().label("messages"))
        .where(column.created_at >= start, column.created_at < end)
        .where(~((column.direction == "outgoing") & (column.status == "failed")))
        .group_by(column.channel, column.type, column.direction)
        .order_by(column.channel, column.type, column.direction)
    )
    return [dict(row._mapping) for row in (await session.execute(query)).all()]

"""Queries of the channel overview; the only place that builds them."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.messages.codes import IN_FLIGHT_STATUSES, Channel
from oss_router.models import Dispatch


async def in_flight_by_channel(session: AsyncSession) -> dict[Channel, int]:
    """How many dispatches each channel has been handed and has not answered yet."""
    query = (
        select(Dispatch.channel, func.count())
        .where(Dispatch.status.in_(IN_FLIGHT_STATUSES))
        .group_by(Dispatch.channel)
    )
    rows = (await session.execute(query)).all()
    return {Channel(channel): int(count) for channel, count in rows}

"""Queries of the dead-letter commands."""

from collections.abc import Collection
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import Dispatch, ProcessedMessage, RequestEvent


async def dispatch_states(
    session: AsyncSession, dispatch_ids: Collection[UUID]
) -> dict[UUID, tuple[str, str | None]]:
    """Status and error of each known dispatch."""
    if not dispatch_ids:
        return {}
    rows = await session.execute(
        select(Dispatch.id, Dispatch.status, Dispatch.error).where(Dispatch.id.in_(dispatch_ids))
    )
    return {row.id: (row.status, row.error) for row in rows}


async def replacement_of(session: AsyncSession, request_id: UUID, dispatch_id: UUID) -> str | None:
    """The channel a supervisor re-routed this dispatch to, if they did."""
    events = await session.scalars(
        select(RequestEvent).where(
            RequestEvent.request_id == request_id, RequestEvent.type == "rerouted"
        )
    )
    for event in events:
        if event.detail.get("replaces") == str(dispatch_id):
            return str(event.detail.get("channel"))
    return None


async def processed(session: AsyncSession, result_id: UUID) -> bool:
    """Whether the tracker took this result message already (applied it, or ignored it as a
    repeat or stale): its inbox holds the id."""
    found = await session.scalar(
        select(ProcessedMessage.message_id).where(ProcessedMessage.message_id == result_id)
    )
    return found is not None

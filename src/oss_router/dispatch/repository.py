"""The queries of the dispatch lifecycle: the requests a role moves on, locked, and the
journeys of a dispatch. Every role that applies transitions reads through here."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, raiseload
from sqlalchemy.orm.attributes import set_committed_value

from oss_router.db import among
from oss_router.models import Dispatch, ExchangeRequest, RequestEvent, dialect

# What the relay and the tracker read of the requests they move on: no subject, answers or
# free texts (decoding them is most of the cost of loading a row). Reading any other attribute
# raises instead of loading it.
_REQUEST_COLUMNS = load_only(
    ExchangeRequest.id,
    ExchangeRequest.status,
    ExchangeRequest.kind,
    ExchangeRequest.unit,
    ExchangeRequest.purpose,
    ExchangeRequest.created_by,
    ExchangeRequest.due_at,
    raiseload=True,
)
_DISPATCH_COLUMNS = load_only(
    Dispatch.id,
    Dispatch.request_id,
    Dispatch.position,
    Dispatch.channel,
    Dispatch.country,
    Dispatch.status,
    Dispatch.due_at,
    Dispatch.attempts,
    Dispatch.created_at,
    Dispatch.answered_at,
    raiseload=True,
)


async def for_transitions(
    session: AsyncSession, request_ids: Sequence[UUID]
) -> dict[UUID, ExchangeRequest]:
    """The requests with these ids and their dispatches, locked (see ``_for_transitions``)."""
    if not request_ids:
        return {}
    found = await _for_transitions(session, among(session, ExchangeRequest.id, request_ids))
    return {request.id: request for request in found}


async def for_transitions_of_dispatches(
    session: AsyncSession, dispatch_ids: Sequence[UUID]
) -> list[ExchangeRequest]:
    """The requests of these dispatches and all their dispatches, locked, in id order."""
    if not dispatch_ids:
        return []
    of_dispatches = select(Dispatch.request_id).where(among(session, Dispatch.id, dispatch_ids))
    return await _for_transitions(session, ExchangeRequest.id.in_(of_dispatches))


async def _for_transitions(
    session: AsyncSession, condition: ColumnElement[bool]
) -> list[ExchangeRequest]:
    """On PostgreSQL the rows are locked in id order, so that the relay and the tracker (which
    both lock this way) never deadlock.

    The dispatches are read by a second statement, after the locks are held: a join in the
    locking statement would read them from the snapshot taken before it waited for a lock, so
    a transition committed meanwhile by the lock's holder would be overwritten.
    """
    query = dialect.locked(
        session,
        select(ExchangeRequest)
        .options(_REQUEST_COLUMNS, raiseload(ExchangeRequest.dispatches))
        .where(condition)
        .order_by(ExchangeRequest.id),
    )
    requests = list((await session.scalars(query)).all())
    dispatches: dict[UUID, list[Dispatch]] = {request.id: [] for request in requests}
    if requests:
        of_requests = (
            select(Dispatch)
            .options(_DISPATCH_COLUMNS, raiseload("*"))
            .where(among(session, Dispatch.request_id, list(dispatches)))
            .order_by(Dispatch.request_id, Dispatch.position)
        )
        for dispatch in (await session.scalars(of_requests)).all():
            dispatches[dispatch.request_id].append(dispatch)
    for request in requests:
        set_committed_value(request, "dispatches", dispatches[request.id])
    return requests


# Events that put a dispatch back on its way: each starts a new journey to the channel.
RESTAGE_EVENTS = ("replayed", "retried")


async def journeys_of(session: AsyncSession, dispatch_id: UUID) -> int:
    """How many times operators replayed, or supervisors retried, this dispatch."""
    count = await session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.dispatch_id == dispatch_id, RequestEvent.type.in_(RESTAGE_EVENTS))
    )
    return int(count or 0)

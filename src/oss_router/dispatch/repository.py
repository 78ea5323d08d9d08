"""The queries of the dispatch lifecycle: the requests a role moves on, locked, and the
journeys of a dispatch. Every role that applies transitions reads through here."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, raiseload
from sqlalchemy.orm.attributes import set_committed_value

from oss_router.db import ByDialect, any_of
from oss_router.models import Dispatch, ExchangeRequest, RequestEvent

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
    found = await _for_transitions(session, _REQUESTS_BY_ID.of(session), list(request_ids))
    return {request.id: request for request in found}


async def for_transitions_of_dispatches(
    session: AsyncSession, dispatch_ids: Sequence[UUID]
) -> list[ExchangeRequest]:
    """The requests of these dispatches and all their dispatches, locked, in id order."""
    if not dispatch_ids:
        return []
    return await _for_transitions(session, _REQUESTS_OF_DISPATCHES.of(session), list(dispatch_ids))


async def _for_transitions(
    session: AsyncSession, query: Select[ExchangeRequest], ids: list[UUID]
) -> list[ExchangeRequest]:
    """On PostgreSQL the rows are locked in id order, so that the relay and the tracker (which
    both lock this way) never deadlock.

    The dispatches are read by a second statement, after the locks are held: a join in the
    locking statement would read them from the snapshot taken before it waited for a lock, so
    a transition committed meanwhile by the lock's holder would be overwritten.
    """
    requests = list((await session.scalars(query, {"ids": ids})).all())
    dispatches: dict[UUID, list[Dispatch]] = {request.id: [] for request in requests}
    if requests:
        of_requests = _DISPATCHES_OF_REQUESTS.of(session)
        for dispatch in (await session.scalars(of_requests, {"ids": list(dispatches)})).all():
            dispatches[dispatch.request_id].append(dispatch)
    for request in requests:
        set_committed_value(request, "dispatches", dispatches[request.id])
    return requests


# The three statements are built once per dialect (db.ByDialect): the relay and the tracker
# run them in every transaction, and building them was a fifth of a batch of one's CPU.
def _locked_requests(condition: ColumnElement[bool], postgres: bool) -> Select[ExchangeRequest]:
    query = (
        select(ExchangeRequest)
        .options(_REQUEST_COLUMNS, raiseload(ExchangeRequest.dispatches))
        .where(condition)
        .order_by(ExchangeRequest.id)
    )
    return query.with_for_update() if postgres else query


_REQUESTS_BY_ID = ByDialect(
    lambda postgres: _locked_requests(
        any_of(ExchangeRequest.id, "ids", postgres=postgres), postgres
    )
)
_REQUESTS_OF_DISPATCHES = ByDialect(
    lambda postgres: _locked_requests(
        ExchangeRequest.id.in_(
            select(Dispatch.request_id).where(any_of(Dispatch.id, "ids", postgres=postgres))
        ),
        postgres,
    )
)
_DISPATCHES_OF_REQUESTS = ByDialect(
    lambda postgres: (
        select(Dispatch)
        .options(_DISPATCH_COLUMNS, raiseload("*"))
        .where(any_of(Dispatch.request_id, "ids", postgres=postgres))
        .order_by(Dispatch.request_id, Dispatch.position)
    )
)


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

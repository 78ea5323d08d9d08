"""Queries about case files; the only place that builds them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router import pagination
from oss_router.models import (
    CaseEvent,
    CaseFile,
    CaseLink,
    ExchangeMessage,
    ExchangeRequest,
    InboundEvent,
    InboundRequest,
    RequestEvent,
    dialect,
)


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    owner: str | None = None  # "owner=me": the caller's subject
    crime_area: str | None = None
    unit: str | None = None  # restricts to one unit's cases (PCCC callers)


async def get(session: AsyncSession, case_id: UUID, *, lock: bool = False) -> CaseFile | None:
    query = select(CaseFile).where(CaseFile.id == case_id)
    if lock:
        query = dialect.locked(session, query)
    return (await session.execute(query)).scalar_one_or_none()


async def unit_of(session: AsyncSession, case_id: UUID) -> str | None:
    """The PCCC unit whose case it is (live feed: unit-restricted streams)."""
    return await session.scalar(select(CaseFile.unit).where(CaseFile.id == case_id))


async def by_reference(session: AsyncSession, reference: str) -> CaseFile | None:
    query = select(CaseFile).where(CaseFile.reference == reference)
    return (await session.execute(query)).scalar_one_or_none()


async def links_of(session: AsyncSession, case_id: UUID) -> list[CaseLink]:
    query = select(CaseLink).where(CaseLink.case_id == case_id).order_by(CaseLink.id)
    return list((await session.scalars(query)).all())


async def link_count(session: AsyncSession, case_id: UUID) -> int:
    query = select(func.count()).select_from(CaseLink).where(CaseLink.case_id == case_id)
    return int(await session.scalar(query) or 0)


async def link_of_request(session: AsyncSession, request_id: UUID) -> CaseLink | None:
    query = select(CaseLink).where(CaseLink.request_id == request_id)
    return (await session.execute(query)).scalar_one_or_none()


async def link_of_inbound(session: AsyncSession, inbound_id: UUID) -> CaseLink | None:
    query = select(CaseLink).where(CaseLink.inbound_id == inbound_id)
    return (await session.execute(query)).scalar_one_or_none()


async def delete_link(session: AsyncSession, link: CaseLink) -> None:
    await session.delete(link)
    await session.flush()


async def outgoing(session: AsyncSession, ids: list[UUID]) -> list[ExchangeRequest]:
    if not ids:
        return []
    query = select(ExchangeRequest).where(ExchangeRequest.id.in_(ids))
    return list((await session.scalars(query)).all())


async def incoming(session: AsyncSession, ids: list[UUID]) -> list[InboundRequest]:
    if not ids:
        return []
    query = select(InboundRequest).where(InboundRequest.id.in_(ids))
    return list((await session.scalars(query)).all())


async def outgoing_one(session: AsyncSession, request_id: UUID) -> ExchangeRequest | None:
    return await session.get(ExchangeRequest, request_id)


async def incoming_one(session: AsyncSession, inbound_id: UUID) -> InboundRequest | None:
    return await session.get(InboundRequest, inbound_id)


async def case_events(session: AsyncSession, case_id: UUID, limit: int) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case_id)
    query = query.order_by(CaseEvent.at, CaseEvent.id).limit(limit)
    return list((await session.scalars(query)).all())


async def request_events(
    session: AsyncSession, request_ids: list[UUID], limit: int
) -> list[RequestEvent]:
    if not request_ids:
        return []
    query = select(RequestEvent).where(RequestEvent.request_id.in_(request_ids))
    query = query.order_by(RequestEvent.at, RequestEvent.id).limit(limit)
    return list((await session.scalars(query)).all())


async def inbound_events(
    session: AsyncSession, inbound_ids: list[UUID], limit: int
) -> list[InboundEvent]:
    if not inbound_ids:
        return []
    query = select(InboundEvent).where(InboundEvent.inbound_id.in_(inbound_ids))
    query = query.order_by(InboundEvent.at, InboundEvent.id).limit(limit)
    return list((await session.scalars(query)).all())


async def cases_holding(
    session: AsyncSession, request_ids: list[UUID], inbound_ids: list[UUID]
) -> list[CaseFile]:
    """The cases that hold any of these requests (the related-requests match's suggestion)."""
    if not request_ids and not inbound_ids:
        return []
    held = select(CaseLink.case_id).where(
        or_(CaseLink.request_id.in_(request_ids), CaseLink.inbound_id.in_(inbound_ids))
    )
    query = select(CaseFile).where(CaseFile.id.in_(held)).order_by(CaseFile.created_at.desc())
    return list((await session.scalars(query)).all())


async def list_page(
    session: AsyncSession, filters: CaseFilters, *, limit: int, cursor: str | None
) -> tuple[list[CaseFile], str | None]:
    """Newest first, keyset-paginated on (created_at, id): a page never repeats or skips a
    case that was there when the first page was read."""
    query = _filtered(select(CaseFile), filters)
    if cursor is not None:
        created_at, case_id = decode_cursor(cursor)
        query = query.where(
            or_(
                CaseFile.created_at < created_at,
                and_(CaseFile.created_at == created_at, CaseFile.id < case_id),
            )
        )
    query = query.order_by(CaseFile.created_at.desc(), CaseFile.id.desc()).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id)


def _filtered(query: Any, filters: CaseFilters) -> Any:
    if filters.status is not None:
        query = query.where(CaseFile.status == filters.status)
    if filters.owner is not None:
        query = query.where(CaseFile.owner == filters.owner)
    if filters.crime_area is not None:
        query = query.where(CaseFile.crime_area == filters.crime_area)
    if filters.unit is not None:
        query = query.where(CaseFile.unit == filters.unit)
    return query


async def links_of_cases(session: AsyncSession, case_ids: list[UUID]) -> list[CaseLink]:
    if not case_ids:
        return []
    query = select(CaseLink).where(CaseLink.case_id.in_(case_ids)).order_by(CaseLink.id)
    return list((await session.scalars(query)).all())


def encode_cursor(created_at: datetime, case_id: UUID) -> str:
    return pagination.encode_cursor("case", created_at, case_id)


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    return pagination.decode_cursor("case", cursor)


async def messages_of(session: AsyncSession, case_id: UUID, limit: int) -> list[ExchangeMessage]:
    """The messages in a case, oldest first (at most ``limit``)."""
    query = select(ExchangeMessage).where(ExchangeMessage.case_id == case_id)
    query = query.order_by(ExchangeMessage.created_at, ExchangeMessage.id).limit(limit)
    return list((await session.scalars(query)).all())


async def file_thread(
    session: AsyncSession,
    case_id: UUID,
    *,
    request_id: UUID | None = None,
    inbound_id: UUID | None = None,
) -> None:
    """The messages of a request's thread not in a case yet go in the case it is filed in."""
    await _move_thread(session, None, case_id, request_id, inbound_id)


async def unfile_thread(
    session: AsyncSession,
    case_id: UUID,
    *,
    request_id: UUID | None = None,
    inbound_id: UUID | None = None,
) -> None:
    """The messages of a request's thread leave the case it is taken out of."""
    await _move_thread(session, case_id, None, request_id, inbound_id)


async def _move_thread(
    session: AsyncSession,
    from_case: UUID | None,
    to_case: UUID | None,
    request_id: UUID | None,
    inbound_id: UUID | None,
) -> None:
    """The messages of one request's (or received request's) thread in ``from_case`` (None:
    in no case) move to ``to_case``, in one statement."""
    thread = (
        ExchangeMessage.request_id == request_id
        if request_id is not None
        else ExchangeMessage.inbound_id == inbound_id
    )
    held = (
        ExchangeMessage.case_id.is_(None)
        if from_case is None
        else ExchangeMessage.case_id == from_case
    )
    await session.execute(
        update(ExchangeMessage)
        .where(thread, held)
        .values(case_id=to_case)
        .execution_options(synchronize_session=False)
    )

"""Queries about the messages of conversations; the only place that builds them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from oss_router.messages.codes import MessageDirection, MessageType
from oss_router.models import (
    Attachment,
    CaseFile,
    CaseLink,
    ExchangeMessage,
    ExchangeRequest,
    InboundRequest,
    dialect,
)
from oss_router.pagination import decode_cursor, encode_cursor

THREAD_LIMIT = 500  # the most messages a detail read shows of one thread (oldest first)


@dataclass(frozen=True)
class MessageFilters:
    case_id: UUID | None = None
    request_id: UUID | None = None
    dispatch_id: UUID | None = None
    inbound_id: UUID | None = None
    direction: MessageDirection | None = None
    type: MessageType | None = None
    unfiled: bool | None = None  # True: spontaneous information received and in no case
    unit: str | None = None  # restricts to one unit's threads (PCCC callers)


async def get(
    session: AsyncSession, message_id: UUID, *, lock: bool = False
) -> ExchangeMessage | None:
    query = select(ExchangeMessage).where(ExchangeMessage.id == message_id)
    if lock:
        query = dialect.locked(session, query)
    return (await session.execute(query)).scalar_one_or_none()


async def locked_by_ids(
    session: AsyncSession, message_ids: Sequence[UUID]
) -> dict[UUID, ExchangeMessage]:
    """The messages, locked in id order (the order every writer of messages takes)."""
    if not message_ids:
        return {}
    query = (
        select(ExchangeMessage)
        .where(ExchangeMessage.id.in_(sorted(set(message_ids))))
        .order_by(ExchangeMessage.id)
    )
    rows = (await session.scalars(dialect.locked(session, query))).all()
    return {row.id: row for row in rows}


async def of_dispatches(
    session: AsyncSession, dispatch_ids: Sequence[UUID]
) -> list[ExchangeMessage]:
    if not dispatch_ids:
        return []
    query = (
        select(ExchangeMessage)
        .where(ExchangeMessage.dispatch_id.in_(list(dispatch_ids)))
        .order_by(ExchangeMessage.created_at, ExchangeMessage.id)
        .limit(THREAD_LIMIT)
    )
    return list((await session.scalars(query)).all())


async def of_inbound(session: AsyncSession, inbound_id: UUID) -> list[ExchangeMessage]:
    query = (
        select(ExchangeMessage)
        .where(ExchangeMessage.inbound_id == inbound_id)
        .order_by(ExchangeMessage.created_at, ExchangeMessage.id)
        .limit(THREAD_LIMIT)
    )
    return list((await session.scalars(query)).all())


async def attachments_of(
    session: AsyncSession, message_ids: Sequence[UUID]
) -> dict[UUID, list[Attachment]]:
    """Each message's attachments (metadata only: never the bytes), oldest first."""
    found: dict[UUID, list[Attachment]] = {key: [] for key in message_ids}
    if not message_ids:
        return found
    query = (
        select(Attachment)
        .where(Attachment.message_id.in_(list(message_ids)))
        .order_by(Attachment.created_at, Attachment.id)
    )
    for row in (await session.scalars(query)).all():
        if row.message_id is not None:
            found[row.message_id].append(row)
    return found


async def last_reminder_at(session: AsyncSession, dispatch_id: UUID) -> datetime | None:
    query = select(func.max(ExchangeMessage.created_at)).where(
        ExchangeMessage.dispatch_id == dispatch_id,
        ExchangeMessage.type == MessageType.REMINDER.value,
    )
    moment: datetime | None = await session.scalar(query)
    return moment


async def list_page(
    session: AsyncSession, filters: MessageFilters, *, limit: int, cursor: str | None
) -> tuple[list[ExchangeMessage], str | None]:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = select(ExchangeMessage)
    for condition in _conditions(filters):
        query = query.where(condition)
    if cursor is not None:
        created_at, message_id = decode_cursor("message", cursor)
        query = query.where(
            or_(
                ExchangeMessage.created_at < created_at,
                and_(ExchangeMessage.created_at == created_at, ExchangeMessage.id < message_id),
            )
        )
    query = query.order_by(ExchangeMessage.created_at.desc(), ExchangeMessage.id.desc())
    rows = list((await session.scalars(query.limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor("message", rows[-1].created_at, rows[-1].id)


def _conditions(filters: MessageFilters) -> list[ColumnElement[bool]]:
    column = ExchangeMessage
    equal: list[tuple[InstrumentedAttribute[Any], object]] = [
        (column.case_id, filters.case_id),
        (column.request_id, filters.request_id),
        (column.dispatch_id, filters.dispatch_id),
        (column.inbound_id, filters.inbound_id),
        (column.direction, filters.direction.value if filters.direction else None),
        (column.type, filters.type.value if filters.type else None),
        (column.unit, filters.unit),
    ]
    conditions = [key == value for key, value in equal if value is not None]
    if filters.unfiled is not None:
        unfiled = and_(
            column.case_id.is_(None),
            column.dispatch_id.is_(None),
            column.inbound_id.is_(None),
            column.direction == MessageDirection.INCOMING.value,
        )
        conditions.append(unfiled if filters.unfiled else ~unfiled)
    return conditions


async def request_statuses(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, str]:
    """The status of each request (for the live notices of their threads)."""
    if not ids:
        return {}
    query = select(ExchangeRequest.id, ExchangeRequest.status).where(
        ExchangeRequest.id.in_(sorted(set(ids)))
    )
    return {row.id: row.status for row in (await session.execute(query)).all()}


async def inbound_statuses(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    query = select(InboundRequest.id, InboundRequest.status).where(
        InboundRequest.id.in_(sorted(set(ids)))
    )
    return {row.id: row.status for row in (await session.execute(query)).all()}


async def request_with_dispatches(
    session: AsyncSession, request_id: UUID
) -> ExchangeRequest | None:
    """The request and its dispatches from one statement (one snapshot)."""
    query = (
        select(ExchangeRequest)
        .where(ExchangeRequest.id == request_id)
        .options(joinedload(ExchangeRequest.dispatches))
    )
    return (await session.execute(query)).unique().scalar_one_or_none()


async def inbound(session: AsyncSession, inbound_id: UUID) -> InboundRequest | None:
    """The received request (its replies come with it: the relationship loads them)."""
    return await session.get(InboundRequest, inbound_id)


async def case(session: AsyncSession, case_id: UUID) -> CaseFile | None:
    return await session.get(CaseFile, case_id)


async def case_holding(
    session: AsyncSession, *, request_id: UUID | None = None, inbound_id: UUID | None = None
) -> UUID | None:
    """The case the request (or received request) is filed in: its thread's messages are in
    it too."""
    link = CaseLink.request_id == request_id if request_id else CaseLink.inbound_id == inbound_id
    case_id: UUID | None = await session.scalar(select(CaseLink.case_id).where(link).limit(1))
    return case_id

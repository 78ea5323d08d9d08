"""Queries of the actions on received requests and of their replies' delivery; the only place
that builds them (registration and reads have theirs in ``inbound/repository.py``)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.db import among
from oss_router.messages.codes import ReplyStatus
from oss_router.models import InboundEvent, InboundReply, InboundRequest, dialect


async def get_locked(session: AsyncSession, inbound_id: UUID) -> InboundRequest | None:
    """The request, locked until the commit (FOR UPDATE on PostgreSQL), with its replies."""
    query = select(InboundRequest).where(InboundRequest.id == inbound_id)
    return (await session.scalars(dialect.locked(session, query))).one_or_none()


async def locked_by_ids(
    session: AsyncSession, inbound_ids: Sequence[UUID]
) -> dict[UUID, InboundRequest]:
    """The requests, locked in id order (every writer locks them in this order: no deadlock)."""
    if not inbound_ids:
        return {}
    query = (
        select(InboundRequest)
        .where(among(session, InboundRequest.id, sorted(set(inbound_ids))))
        .order_by(InboundRequest.id)
    )
    rows = (await session.scalars(dialect.locked(session, query))).all()
    return {row.id: row for row in rows}


async def by_partner_reference(
    session: AsyncSession, channel: str, partner_reference: str
) -> InboundRequest | None:
    """The request a partner message refers to, locked."""
    query = select(InboundRequest).where(
        InboundRequest.channel == channel, InboundRequest.partner_reference == partner_reference
    )
    return (await session.scalars(dialect.locked(session, query))).one_or_none()


_EVENTS = cast(Table, InboundEvent.__table__)


async def mark_replies_sent(
    session: AsyncSession, reply_ids: Sequence[UUID], actor: str, now: datetime
) -> list[tuple[UUID, UUID, str, str]]:
    """The relay's step: replies still ``queued`` become ``sent``, with their timeline rows,
    in two statements whatever their number. Returns (reply, request, channel, type) of those
    moved; a reply the tracker has moved on already (a fast partner) is left as it is."""
    if not reply_ids:
        return []
    # Their requests locked first, in id order, as the tracker locks them before it moves a
    # reply: updating the reply first and then inserting its event (whose foreign key waits
    # for the tracker's lock on the request) could deadlock with it.
    owners = (
        select(InboundRequest.id)
        .where(
            InboundRequest.id.in_(
                select(InboundReply.inbound_id).where(
                    among(session, InboundReply.id, list(reply_ids))
                )
            )
        )
        .order_by(InboundRequest.id)
    )
    await session.execute(dialect.locked(session, owners))
    statement = (
        update(InboundReply)
        .where(
            among(session, InboundReply.id, list(reply_ids)),
            InboundReply.status == ReplyStatus.QUEUED.value,
        )
        .values(status=ReplyStatus.SENT.value, updated_at=now)
        .returning(
            InboundReply.id, InboundReply.inbound_id, InboundReply.channel, InboundReply.type
        )
        .execution_options(synchronize_session=False)
    )
    moved = [tuple(row) for row in (await session.execute(statement)).all()]
    if moved:
        await session.execute(insert(_EVENTS), [_sent_event(row, actor, now) for row in moved])
    return cast(list[tuple[UUID, UUID, str, str]], moved)


def _sent_event(row: tuple[Any, ...], actor: str, now: datetime) -> dict[str, Any]:
    reply_id, inbound_id, _channel, reply_type = row
    return {
        "inbound_id": inbound_id,
        "reply_id": reply_id,
        "at": now,
        "type": "reply_status",
        "from_status": ReplyStatus.QUEUED.value,
        "to_status": ReplyStatus.SENT.value,
        "actor": actor,
        "detail": {"reply_type": reply_type},
    }


async def unit_of(session: AsyncSession, inbound_id: UUID) -> str | None:
    """The PCCC unit a received request arrived for (live feed: unit-restricted streams)."""
    return await session.scalar(select(InboundRequest.unit).where(InboundRequest.id == inbound_id))


async def reply_states(
    session: AsyncSession, reply_ids: Sequence[UUID]
) -> dict[UUID, tuple[str, str | None]]:
    """Status and error of each known reply (the dead-letter listing)."""
    if not reply_ids:
        return {}
    query = select(InboundReply.id, InboundReply.status, InboundReply.error).where(
        InboundReply.id.in_(list(reply_ids))
    )
    return {row.id: (row.status, row.error) for row in (await session.execute(query)).all()}


async def journeys_of(session: AsyncSession, reply_id: UUID) -> int:
    """How many times operators replayed this reply (its journeys after the first)."""
    query = select(func.count()).where(
        InboundEvent.reply_id == reply_id, InboundEvent.type == "reply_replayed"
    )
    return int(await session.scalar(query) or 0)

"""Queries of the audit log; the only place that builds them."""

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.errors import FieldError, ValidationFailed
from oss_router.models import AuditChainHead, AuditEntry

HEAD_ID = 1


@dataclass(frozen=True)
class AuditFilters:
    request_id: UUID | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def lock_head(session: AsyncSession) -> AuditChainHead:
    """The chain head, locked until the transaction ends (PostgreSQL ``FOR UPDATE``).

    On SQLite every transaction already holds the database's write lock (``BEGIN IMMEDIATE``),
    which serializes appends the same way.
    """
    query = (
        select(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one()


async def head(session: AsyncSession) -> AuditChainHead:
    query = select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
    return (await session.execute(query)).scalar_one()


async def page(
    session: AsyncSession, filters: AuditFilters, *, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """Newest first, keyset-paginated on ``seq``."""
    query = _filtered(select(AuditEntry), filters)
    if cursor is not None:
        query = query.where(AuditEntry.seq < decode_cursor(cursor))
    query = query.order_by(AuditEntry.seq.desc()).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].seq)


def _filtered(query: Select[AuditEntry], filters: AuditFilters) -> Select[AuditEntry]:
    if filters.request_id is not None:
        query = query.where(AuditEntry.request_id == filters.request_id)
    if filters.actor is not None:
        query = query.where(AuditEntry.actor == filters.actor)
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query


async def in_order(
    session: AsyncSession, up_to: int, batch: int = 1000
) -> AsyncIterator[AuditEntry]:
    """Every entry up to ``seq`` ``up_to``, in order, read in batches (never all in memory)."""
    after = 0
    while True:
        query = (
            select(AuditEntry)
            .where(AuditEntry.seq > after, AuditEntry.seq <= up_to)
            .order_by(AuditEntry.seq)
            .limit(batch)
        )
        rows = list((await session.scalars(query)).all())
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].seq
        session.expunge_all()


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, seq = raw.split(":")
        if prefix != "audit" or not seq.isdigit() or len(seq) > 18:
            raise ValueError(raw)
        return int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this service issued",
            errors=[FieldError("cursor", "invalid cursor")],
        ) from None

"""Queries of the audit log; the only place that builds them."""

import base64
import binascii
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Select, Table, TextClause, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

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


async def extend(session: AsyncSession, head: AuditChainHead, entries: list[AuditEntry]) -> None:
    """Insert ``entries`` and move the locked ``head`` to the last of them.

    On PostgreSQL both happen in one statement (the head update as a data-modifying CTE): the
    chain head stays locked until the commit, so every round trip saved here shortens the time
    all other auditing transactions wait for it.
    """
    last = entries[-1]
    if session.get_bind().dialect.name != "postgresql" or len(entries) > ONE_STATEMENT_MAX:
        session.add_all(entries)
        head.seq, head.hash = last.seq, last.hash
        await session.flush()
        return
    params: dict[str, object] = {"head_seq": last.seq, "head_hash": last.hash}
    for index, entry in enumerate(entries):
        for column in AUDIT_COLUMNS:
            params[f"{column.name}_{index}"] = getattr(entry, column.name)
    await session.execute(_extend_statement(len(entries)), params)
    # What the statement wrote, without marking the head dirty (no second UPDATE at flush).
    set_committed_value(head, "seq", last.seq)
    set_committed_value(head, "hash", last.hash)


AUDIT_TABLE = cast(Table, AuditEntry.__table__)
HEAD_TABLE = cast(Table, AuditChainHead.__table__)
AUDIT_COLUMNS = list(AUDIT_TABLE.columns)
# Intake audits one to a few entries; long lists (consultations of a page) take the ORM flush,
# which batches them without a statement per count and far from PostgreSQL's parameter limit.
ONE_STATEMENT_MAX = 8


@functools.lru_cache(maxsize=ONE_STATEMENT_MAX)
def _extend_statement(count: int) -> TextClause:
    """The statement for ``count`` entries, built once; every value is a named bind parameter,
    so nothing personal is ever part of the SQL text.

    Written as text with typed parameters rather than ``insert().add_cte(update())``:
    SQLAlchemy gives a data-modifying CTE no cache key, so that form was compiled again on
    every intake (about 5 % of the gateway's CPU under load); a text clause is compiled once.
    """
    names = ", ".join(column.name for column in AUDIT_COLUMNS)
    rows = ", ".join(
        "(" + ", ".join(f":{column.name}_{index}" for column in AUDIT_COLUMNS) + ")"
        for index in range(count)
    )
    # Only table and column names from the model and placeholders: no value is ever interpolated.
    move = f"UPDATE {HEAD_TABLE.name} SET seq = :head_seq, hash = :head_hash WHERE id = {HEAD_ID}"  # noqa: S608
    sql = f"WITH moved_head AS ({move}) INSERT INTO {AUDIT_TABLE.name} ({names}) VALUES {rows}"  # noqa: S608
    types = [
        bindparam(f"{column.name}_{index}", type_=column.type)
        for index in range(count)
        for column in AUDIT_COLUMNS
    ]
    return text(sql).bindparams(
        bindparam("head_seq", type_=HEAD_TABLE.c.seq.type),
        bindparam("head_hash", type_=HEAD_TABLE.c.hash.type),
        *types,
    )


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

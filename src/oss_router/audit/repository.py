"""Queries of the audit log; the only place that builds them."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Select, Table, Text, TextClause, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from oss_router.db import among
from oss_router.errors import FieldError, ValidationFailed
from oss_router.models import AuditChainHead, AuditEntry, dialect

HEAD_ID = 1


@dataclass(frozen=True)
class AuditFilters:
    request_id: UUID | None = None
    inbound_id: UUID | None = None
    actors: tuple[str, ...] = ()  # any of these actors (none: every actor)
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def lock_head(session: AsyncSession) -> AuditChainHead:
    """The chain head, locked until the transaction ends (PostgreSQL ``FOR UPDATE``).

    On SQLite every transaction already holds the database's write lock (``BEGIN IMMEDIATE``),
    which serializes appends the same way.
    """
    return (await session.execute(_LOCK_HEAD)).scalar_one()


# Built once: every intake, relay and registrar transaction runs it (SQLite renders no
# FOR UPDATE).
_LOCK_HEAD = (
    select(AuditChainHead)
    .where(AuditChainHead.id == HEAD_ID)
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def extend(session: AsyncSession, head: AuditChainHead, entries: list[AuditEntry]) -> None:
    """Insert ``entries`` and move the locked ``head`` to the last of them.

    On PostgreSQL both happen in one statement (the head update as a data-modifying CTE): the
    chain head stays locked until the commit, so every round trip saved here shortens the time
    all other auditing transactions wait for it.
    """
    last = entries[-1]
    if not dialect.is_postgres(session):
        session.add_all(entries)
        head.seq, head.hash = last.seq, last.hash
        await session.flush()
        return
    params: dict[str, object] = {"head_seq": last.seq, "head_hash": last.hash}
    for column in AUDIT_COLUMNS:
        values = [getattr(entry, column.name) for entry in entries]
        if column.name in JSON_COLUMNS:
            values = [json.dumps(value) for value in values]
        params[column.name] = values
    await session.execute(EXTEND_STATEMENT, params)
    # What the statement wrote, without marking the head dirty (no second UPDATE at flush).
    set_committed_value(head, "seq", last.seq)
    set_committed_value(head, "hash", last.hash)


AUDIT_TABLE = cast(Table, AuditEntry.__table__)
HEAD_TABLE = cast(Table, AuditChainHead.__table__)
AUDIT_COLUMNS = list(AUDIT_TABLE.columns)
# Sent as JSON text and cast by the statement: a JSONB array parameter is not one asyncpg
# encodes from Python values.
JSON_COLUMNS = frozenset({"recipients", "detail"})


def _extend_statement() -> TextClause:
    """The statement for any number of entries, built once: one array parameter per column,
    unnested into rows (``WITH ORDINALITY``: in the order of the chain). Its text never
    changes, so asyncpg prepares it once per connection; every value is a bind parameter, so
    nothing personal is ever part of the SQL text.

    Written as text rather than ``insert().add_cte(update())``: SQLAlchemy gives a
    data-modifying CTE no cache key, so that form was compiled again on every intake (about
    5 % of the gateway's CPU under load); a text clause is compiled once. It replaces a
    multi-row ``VALUES`` of up to 8 entries (a text per count) beyond which the ORM flush took
    over, two statements under the head's lock: intake batches and the relay's disclosures
    are mostly longer.
    """
    names = [column.name for column in AUDIT_COLUMNS]
    values = ", ".join(f"CAST({name} AS JSONB)" if name in JSON_COLUMNS else name for name in names)
    arrays = ", ".join(f":{name}" for name in names)
    # Only table and column names from the model and placeholders: no value is ever interpolated.
    move = f"UPDATE {HEAD_TABLE.name} SET seq = :head_seq, hash = :head_hash WHERE id = {HEAD_ID}"  # noqa: S608
    sql = (
        f"WITH moved_head AS ({move}) INSERT INTO {AUDIT_TABLE.name} ({', '.join(names)})"  # noqa: S608
        f" SELECT {values} FROM unnest({arrays}) WITH ORDINALITY"
        f" AS entry({', '.join(names)}, position) ORDER BY position"
    )
    arrays_typed = [
        bindparam(column.name, type_=ARRAY(Text() if column.name in JSON_COLUMNS else column.type))
        for column in AUDIT_COLUMNS
    ]
    return text(sql).bindparams(
        bindparam("head_seq", type_=HEAD_TABLE.c.seq.type),
        bindparam("head_hash", type_=HEAD_TABLE.c.hash.type),
        *arrays_typed,
    )


EXTEND_STATEMENT = _extend_statement()


async def consulted_since(
    session: AsyncSession, action: str, actor: str, request_ids: list[UUID], since: datetime
) -> set[UUID]:
    """Which of ``request_ids`` have an ``action`` by ``actor`` logged at or after ``since``
    (an index range per request: ``ix_audit_log_consulted``)."""
    if not request_ids:
        return set()
    query = select(AuditEntry.request_id).where(
        among(session, AuditEntry.request_id, request_ids),
        AuditEntry.actor == actor,
        AuditEntry.at >= since,
        AuditEntry.action == action,
    )
    return {request_id for request_id in (await session.scalars(query)) if request_id}


async def inbound_consulted_since(
    session: AsyncSession, action: str, actor: str, inbound_ids: list[UUID], since: datetime
) -> set[UUID]:
    """``consulted_since`` for requests received from partners (``ix_audit_log_inbound``)."""
    if not inbound_ids:
        return set()
    query = select(AuditEntry.inbound_id).where(
        among(session, AuditEntry.inbound_id, inbound_ids),
        AuditEntry.actor == actor,
        AuditEntry.at >= since,
        AuditEntry.action == action,
    )
    return {inbound_id for inbound_id in (await session.scalars(query)) if inbound_id}


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
    if filters.inbound_id is not None:
        query = query.where(AuditEntry.inbound_id == filters.inbound_id)
    if filters.actors:
        query = query.where(AuditEntry.actor.in_(filters.actors))
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query


async def entries_after(
    session: AsyncSession, after: int, up_to: int, limit: int
) -> list[AuditEntry]:
    """At most ``limit`` entries with ``after < seq <= up_to``, in order, detached."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.seq > after, AuditEntry.seq <= up_to)
        .order_by(AuditEntry.seq)
        .limit(limit)
    )
    rows = list((await session.scalars(query)).all())
    session.expunge_all()
    return rows


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{seq}".encode()).decode().rstrip("=")


CURSOR_MESSAGE = "Use the next_cursor of the previous page: this is not a cursor the service gave."


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
            errors=[FieldError("cursor", CURSOR_MESSAGE)],
        ) from None

"""The inbox of processed messages: ids of the messages already applied, so that a
redelivered one changes nothing. Shared by the roles that apply messages exactly once: the
tracker (dispatch and reply results) and the registrar (partners' clarifications); the
tracker prunes it (``tracker/inbox.py``, which says how long ids are kept)."""

from collections.abc import Sequence
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Insert, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import ProcessedMessage, dialect


async def claim(session: AsyncSession, message_ids: Sequence[UUID], now: datetime) -> set[UUID]:
    """Record ``message_ids`` as processed; returns those not recorded before.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING``: on PostgreSQL an id that a concurrent
    transaction is inserting makes this one wait for it, then skip the id if it committed.
    Ids are inserted sorted, so two trackers claiming overlapping sets wait in the same order
    instead of deadlocking.
    """
    unique = sorted(set(message_ids))
    if not unique:
        return set()
    if dialect.is_postgres(session):
        params: dict[str, object] = {"ids": unique, "now": now}
        return set((await session.scalars(_CLAIM_POSTGRES, params)).all())
    rows = [{"message_id": message_id, "processed_at": now} for message_id in unique]
    returning = sqlite.insert(ProcessedMessage).values(rows).on_conflict_do_nothing()
    return set((await session.scalars(returning.returning(ProcessedMessage.message_id))).all())


_TABLE = cast(Table, ProcessedMessage.__table__)


def _claim_postgres() -> Insert:
    """One SQL text for any number of ids (``unnest`` of one array parameter), so asyncpg
    prepares it once per connection; a multi-row ``VALUES`` was a new text per batch size."""
    ids = func.unnest(bindparam("ids", type_=postgresql.ARRAY(_TABLE.c.message_id.type)))
    fresh = ids.column_valued("message_id")
    rows = select(fresh, bindparam("now", type_=_TABLE.c.processed_at.type))
    return (
        postgresql.insert(_TABLE)  # the table, not the entity: parameters are not ORM rows
        .from_select(["message_id", "processed_at"], rows.order_by(fresh))
        .on_conflict_do_nothing()
        .returning(_TABLE.c.message_id)
    )


_CLAIM_POSTGRES = _claim_postgres()

"""The tracker's inbox: ids of the result messages already applied."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import ProcessedMessage


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
    rows = [{"message_id": message_id, "processed_at": now} for message_id in unique]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedMessage)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(ProcessedMessage.message_id)
    )
    return set((await session.scalars(statement)).all())

"""The tracker's inbox: ids of the result messages already applied, kept for a while.

The inbox absorbs redeliveries, which come within seconds or minutes (a tracker that died
before its ack, a broker restart, retry tiers of at most a minute). After that the state
machine alone keeps a late copy from changing anything (stale or repeated transitions are
ignored, nothing leaves a terminal state), so ids older than ``inbox_retention_hours`` (7 days)
are pruned by the trackers instead of piling up forever.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from sqlalchemy import Insert, Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.clock import Clock
from oss_router.db import SessionMaker, transaction
from oss_router.models import ProcessedMessage, dialect
from oss_router.telemetry import context

log = logging.getLogger(__name__)


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


async def prune(session: AsyncSession, processed_before: datetime, limit: int) -> int:
    """Forget up to ``limit`` of the oldest ids processed before ``processed_before``."""
    oldest = (
        select(ProcessedMessage.message_id)
        .where(ProcessedMessage.processed_at < processed_before)
        .order_by(ProcessedMessage.processed_at)
        .limit(limit)
    )
    statement = delete(ProcessedMessage).where(
        ProcessedMessage.message_id.in_(oldest.scalar_subquery())
    )
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


class InboxPruner:
    """Prunes the inbox every ``interval_seconds``, in batches of one transaction each."""

    def __init__(
        self,
        sessions: SessionMaker,
        *,
        retention: timedelta,
        interval_seconds: float,
        clock: Clock,
        batch_size: int = 5000,
    ) -> None:
        self._sessions = sessions
        self._retention = retention
        self._interval = interval_seconds
        self._clock = clock
        self._batch_size = batch_size

    async def prune_once(self) -> int:
        """Prune everything due now; returns how many ids were forgotten."""
        processed_before = self._clock() - self._retention
        total = 0
        while True:
            async with transaction(self._sessions) as session:
                pruned = await prune(session, processed_before, self._batch_size)
            total += pruned
            if pruned < self._batch_size:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        with context.bound(None, "inbox-pruning"):
            while not stop.is_set():
                try:
                    pruned = await self.prune_once()
                    if pruned:
                        log.info("inbox: forgot %d result ids older than the retention", pruned)
                except Exception:
                    log.exception("inbox pruning failed; trying again next interval")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._interval)

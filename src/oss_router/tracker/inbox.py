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
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.clock import Clock
from oss_router.db import SessionMaker, transaction
from oss_router.inbox import claim
from oss_router.models import ProcessedMessage
from oss_router.telemetry import context

__all__ = ["InboxPruner", "claim", "prune"]

log = logging.getLogger(__name__)


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

"""The deadline watch: a periodic job of the tracker role, ``oss-router watch`` and ``serve``.

Several watches may run at once (one per tracker replica): the request locks taken by
``sla.service`` make each warning and each overdue flag happen exactly once.
"""

import asyncio
import contextlib
import logging
from datetime import timedelta

from oss_router.broker.contract import Broker
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker
from oss_router.live.notices import publish_notices
from oss_router.sla import service
from oss_router.sla.service import DeadlineEvent
from oss_router.telemetry import context
from oss_router.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


class DeadlineWatch:
    def __init__(
        self,
        sessions: SessionMaker,
        broker: Broker,
        *,
        warn_ahead: timedelta = timedelta(hours=1),
        interval_seconds: float = 30.0,
        batch_size: int = 500,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._warn_ahead = warn_ahead
        self._interval = interval_seconds
        self._batch_size = batch_size
        self._clock = clock

    async def tick(self) -> list[DeadlineEvent]:
        """One sweep at the clock's current time: overdue flags first, then warnings."""
        now = self._clock()
        events = await self._sweep(lambda uow: service.flag_overdue(uow, now, self._batch_size))
        events += await self._sweep(
            lambda uow: service.flag_warnings(uow, now, self._warn_ahead, self._batch_size)
        )
        for event in events:
            with context.bound(event.request_id):
                log.info(
                    "dispatch %s: %s",
                    event.dispatch_id,
                    event.type,
                    extra={"event": event.type, "channel": event.channel},
                )
        await publish_notices(self._broker, [event.notice for event in events])
        return events

    async def _sweep(self, flag: service.Flagger) -> list[DeadlineEvent]:
        """Flag in batches, one transaction each, until a batch comes back short."""
        events: list[DeadlineEvent] = []
        while True:
            async with unit_of_work(self._sessions) as uow:
                batch = await flag(uow)
            events += batch
            if len(batch) < self._batch_size:
                return events

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every ``interval_seconds`` until ``stop`` is set; errors wait for the next."""
        with context.bound(None, "deadline-watch"):
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:
                    log.exception("deadline watch: sweep failed; trying again next interval")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._interval)

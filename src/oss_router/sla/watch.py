"""The deadline watch: a periodic job of the tracker role, ``oss-router watch`` and ``serve``.

Several watches may run at once (one per tracker replica): the request locks taken by
``sla.service`` make each warning and each overdue flag happen exactly once.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from oss_router.broker.contract import Broker
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker
from oss_router.live.notices import publish_notices
from oss_router.sla import inbound, service
from oss_router.sla.inbound import InboundDeadlineEvent
from oss_router.sla.service import DeadlineEvent
from oss_router.telemetry import context
from oss_router.unit_of_work import UnitOfWork, unit_of_work

E = TypeVar("E", DeadlineEvent, InboundDeadlineEvent)

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
        automatic_reminders: bool = False,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._warn_ahead = warn_ahead
        self._interval = interval_seconds
        self._batch_size = batch_size
        self._automatic_reminders = automatic_reminders
        self._clock = clock

    async def tick(self) -> list[DeadlineEvent | InboundDeadlineEvent]:
        """One sweep at the clock's current time: overdue flags first (and, if configured,
        the one automatic reminder of each dispatch flagged), then warnings; the dispatches'
        deadlines, then those of the requests received from partners."""
        now = self._clock()
        size, ahead = self._batch_size, self._warn_ahead
        events: list[DeadlineEvent | InboundDeadlineEvent] = []
        events += await self._sweep(lambda uow: service.flag_overdue(uow, now, size))
        if self._automatic_reminders:
            events += await self._sweep(lambda uow: service.send_reminders(uow, now, size))
        events += await self._sweep(lambda uow: service.flag_warnings(uow, now, ahead, size))
        events += await self._sweep(lambda uow: inbound.flag_inbound_overdue(uow, now, size))
        events += await self._sweep(
            lambda uow: inbound.flag_inbound_warnings(uow, now, ahead, size)
        )
        for event in events:
            _log(event)
        await publish_notices(self._broker, [event.notice for event in events])
        return events

    async def _sweep(self, flag: Callable[[UnitOfWork], Awaitable[list[E]]]) -> list[E]:
        """Flag in batches, one transaction each, until a batch comes back short."""
        events: list[E] = []
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


def _log(event: DeadlineEvent | InboundDeadlineEvent) -> None:
    if isinstance(event, InboundDeadlineEvent):
        what, which, correlation = "received request", event.inbound_id, event.inbound_id
    else:
        what, which, correlation = "dispatch", event.dispatch_id, event.request_id
    with context.bound(correlation):
        log.info(
            "%s %s: %s",
            what,
            which,
            event.type,
            extra={"event": event.type, "channel": event.channel},
        )

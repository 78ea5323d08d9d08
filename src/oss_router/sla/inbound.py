"""Flagging requests received from partners whose deadline is near or past. Never commits.

Our own deadlines (docs/inbound.md: Directive (EU) 2023/977 Art. 5(1) from receipt, SIRENE's
12 hours, service targets; moved by a clarification pause, Art. 6(3), or a delay notice,
Art. 5(2)). Each due time gets at most one ``deadline_warning`` and one ``overdue`` event on
the request's timeline: ``warned_at`` and ``overdue_at`` record that they were issued, and the
rows are changed only under their lock. A delay notice or a clarification that moves the due
time later clears them: the new due time is a new deadline, warned and flagged once again.
While the clock stands still (awaiting a clarification the partner has received) nothing is
flagged.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from oss_router.inbound.lifecycle import clock_stopped
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import InboundStatus
from oss_router.messages.status import InboundNotice
from oss_router.models import InboundRequest
from oss_router.sla import repository
from oss_router.sla.service import WATCH_ACTOR, DeadlineEventType
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class InboundDeadlineEvent:
    type: DeadlineEventType
    inbound_id: str
    channel: str
    notice: InboundNotice


async def flag_inbound_overdue(
    work: UnitOfWork, now: datetime, limit: int
) -> list[InboundDeadlineEvent]:
    """Record ``overdue`` once for each received request past its due time, clock running."""
    return await _flag(
        work,
        repository.inbound_overdue_condition(now),
        lambda r: r.overdue_at is None and r.due_at <= now,
        "overdue",
        now,
        limit,
    )


async def flag_inbound_warnings(
    work: UnitOfWork, now: datetime, ahead: timedelta, limit: int
) -> list[InboundDeadlineEvent]:
    """Record ``deadline_warning`` once for each received request due within ``ahead``."""
    if ahead <= timedelta(0):
        return []
    horizon = now + ahead
    return await _flag(
        work,
        repository.inbound_warning_condition(now, horizon),
        lambda r: r.warned_at is None and r.overdue_at is None and now < r.due_at <= horizon,
        "deadline_warning",
        now,
        limit,
    )


async def _flag(
    work: UnitOfWork,
    condition: ColumnElement[bool],
    still_applies: Callable[[InboundRequest], bool],
    event: DeadlineEventType,
    now: datetime,
    limit: int,
) -> list[InboundDeadlineEvent]:
    flagged = []
    for inbound in await repository.lock_inbound(work.session, condition, limit):
        # Checked again under the lock: an officer may have answered meanwhile.
        running = not clock_stopped(inbound.status, inbound.suspended_at is not None)
        if running and still_applies(inbound):
            flagged.append(_record(work, inbound, event, now))
    return flagged


def _record(
    work: UnitOfWork, inbound: InboundRequest, event: DeadlineEventType, now: datetime
) -> InboundDeadlineEvent:
    if event == "overdue":
        inbound.overdue_at = now
        counter = metrics.INBOUND_OVERDUE_MARKED
    else:
        inbound.warned_at = now
        counter = metrics.INBOUND_DEADLINE_WARNINGS
    work.after_commit(counter.labels(inbound.channel).inc)
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        type=event,
        actor=WATCH_ACTOR,
        at=now,
        detail={
            "channel": inbound.channel,
            "requesting_country": inbound.requesting_country,
            "due_at": inbound.due_at.isoformat(),
            "deadline_basis": inbound.deadline_basis,
            # Positive: time left before the deadline; negative: how late the answer is.
            "seconds_to_deadline": int((inbound.due_at - now).total_seconds()),
        },
    )
    notice = InboundNotice(
        inbound_id=inbound.id, status=InboundStatus(inbound.status), at=now, event=event
    )
    return InboundDeadlineEvent(event, str(inbound.id), inbound.channel, notice)

"""Flagging dispatches whose deadline is near or past. Never commits.

Deadlines are those of docs/routing.md (Directive 2023/977 Art. 5, Reg. 2018/1862 Art. 8(3),
service targets). Each dispatch gets at most one ``deadline_warning`` and one ``overdue`` event
on its request's timeline: ``warned_at`` and ``overdue_at`` record that they were issued, and
the rows are changed only under the request's lock.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement

from oss_router.auth.principal import system_actor
from oss_router.conversations.service import remind_automatically
from oss_router.dispatch.lifecycle import is_terminal
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.messages.status import StatusNotice
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.sla import repository
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork

WATCH_ACTOR = system_actor("deadline-watch")

DeadlineEventType = Literal["deadline_warning", "overdue", "reminder"]


@dataclass(frozen=True)
class DeadlineEvent:
    type: DeadlineEventType
    request_id: str
    dispatch_id: str
    channel: str
    notice: StatusNotice


Flagger = Callable[[UnitOfWork], Awaitable[list[DeadlineEvent]]]


async def flag_overdue(uow: UnitOfWork, now: datetime, limit: int) -> list[DeadlineEvent]:
    """Record ``overdue`` once for each open dispatch whose ``due_at`` has passed."""
    return await _flag(
        uow,
        repository.overdue_condition(now),
        lambda d: _is_overdue(d, now),
        "overdue",
        now,
        limit,
    )


async def flag_warnings(
    uow: UnitOfWork, now: datetime, ahead: timedelta, limit: int
) -> list[DeadlineEvent]:
    """Record ``deadline_warning`` once for each open dispatch due within ``ahead``."""
    if ahead <= timedelta(0):
        return []
    horizon = now + ahead
    return await _flag(
        uow,
        repository.warning_condition(now, horizon),
        lambda d: _needs_warning(d, now, horizon),
        "deadline_warning",
        now,
        limit,
    )


async def _flag(
    uow: UnitOfWork,
    condition: ColumnElement[bool],
    still_applies: Callable[[Dispatch], bool],
    event: DeadlineEventType,
    now: datetime,
    limit: int,
) -> list[DeadlineEvent]:
    request_ids = await repository.candidate_requests(uow.session, condition, limit)
    if not request_ids:
        return []
    flagged = []
    for request in await repository.lock_requests(uow.session, request_ids):
        # Checked again under the lock: another watch may have flagged it meanwhile, or the
        # answer may have arrived.
        for dispatch in filter(still_applies, request.dispatches):
            flagged.append(_record(uow, request, dispatch, event, now))
    return flagged


async def send_reminders(uow: UnitOfWork, now: datetime, limit: int) -> list[DeadlineEvent]:
    """The one automatic reminder of each dispatch flagged overdue and still unanswered
    (OSS_ROUTER_AUTOMATIC_REMINDERS): a message of type ``reminder`` through its channel,
    ``reminded_at`` its marker, set under the request's lock like the other flags."""
    request_ids = await repository.candidate_requests(
        uow.session, repository.reminder_condition(), limit
    )
    sent = []
    for request in await repository.lock_requests(uow.session, request_ids):
        for dispatch in request.dispatches:
            if dispatch.overdue_at is None:
                continue
            message = await remind_automatically(uow, request, dispatch, now)
            if message is not None:
                sent.append(_reminded(request, dispatch, now))
    return sent


def _reminded(request: ExchangeRequest, dispatch: Dispatch, now: datetime) -> DeadlineEvent:
    notice = StatusNotice(
        request_id=request.id,
        request_status=RequestStatus(request.status),
        dispatch_id=dispatch.id,
        dispatch_status=DispatchStatus(dispatch.status),
        at=now,
        event="message",
    )
    return DeadlineEvent("reminder", str(request.id), str(dispatch.id), dispatch.channel, notice)


def _is_overdue(dispatch: Dispatch, now: datetime) -> bool:
    return (
        dispatch.overdue_at is None
        and not is_terminal(dispatch.status)
        and (dispatch.due_at <= now)
    )


def _needs_warning(dispatch: Dispatch, now: datetime, horizon: datetime) -> bool:
    return (
        dispatch.warned_at is None
        and dispatch.overdue_at is None
        and not is_terminal(dispatch.status)
        and now < dispatch.due_at <= horizon
    )


def _record(
    uow: UnitOfWork,
    request: ExchangeRequest,
    dispatch: Dispatch,
    event: DeadlineEventType,
    now: datetime,
) -> DeadlineEvent:
    if event == "overdue":
        dispatch.overdue_at = now
        counter = metrics.OVERDUE_MARKED
    else:
        dispatch.warned_at = now
        counter = metrics.DEADLINE_WARNINGS
    uow.after_commit(counter.labels(dispatch.channel).inc)
    uow.record_event(
        request_id=request.id,
        dispatch_id=dispatch.id,
        type=event,
        actor=WATCH_ACTOR,
        at=now,
        detail=_detail(dispatch, now, event),
    )
    notice = StatusNotice(
        request_id=request.id,
        request_status=RequestStatus(request.status),
        dispatch_id=dispatch.id,
        dispatch_status=DispatchStatus(dispatch.status),
        at=now,
        event=event,
    )
    return DeadlineEvent(event, str(request.id), str(dispatch.id), dispatch.channel, notice)


def _detail(dispatch: Dispatch, now: datetime, event: DeadlineEventType) -> dict[str, object]:
    detail: dict[str, object] = {
        "channel": dispatch.channel,
        "country": dispatch.country,
        "due_at": dispatch.due_at.isoformat(),
        "deadline_basis": dispatch.deadline_basis,
        # Positive: time left before the deadline; negative: how late the answer already is.
        "seconds_to_deadline": int((dispatch.due_at - now).total_seconds()),
        # An outgoing deadline is the answer the requested state owes, not ours (0026).
        "owed_by": dispatch.country,
    }
    if event == "overdue":
        detail["next_step"] = "remind the requested state of the answer it owes"
    return detail

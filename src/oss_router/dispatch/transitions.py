"""Applying a dispatch transition: the one place where a dispatch's status changes.

A transition (already checked with ``lifecycle.should_apply`` or ``lifecycle.replay_target``)
sets the status, puts it on the timeline and counts it; ``refresh_request_status`` then derives
the request's status from its current dispatches. Callers that move several dispatches of one
request (a cancellation, the relay's batch) refresh once after all of them, so that the
timeline shows the request's status moving once, not through the states in between; a
person's action ends with ``settle_request``, which stages the status notice too. Never
commits.
"""

from datetime import datetime
from typing import Any

from oss_router.dispatch.lifecycle import current_dispatches, derive_request_status, is_terminal
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork


def move_dispatch(
    uow: UnitOfWork,
    request: ExchangeRequest,
    dispatch: Dispatch,
    target: DispatchStatus,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Apply a transition already checked with ``should_apply`` and put it on the timeline."""
    previous = dispatch.status
    dispatch.status = target.value
    dispatch.updated_at = now
    metrics.count_dispatch(uow, request.kind, dispatch.channel, target.value)
    if target is DispatchStatus.ANSWERED and dispatch.answered_at is not None:
        elapsed = (dispatch.answered_at - dispatch.created_at).total_seconds()
        metrics.observe_answer(uow, dispatch.channel, elapsed)
    uow.record_event(
        request_id=request.id,
        dispatch_id=dispatch.id,
        type="dispatch_status",
        actor=actor,
        at=now,
        from_status=previous,
        to_status=target.value,
        detail=detail,
    )


def refresh_request_status(
    uow: UnitOfWork,
    request: ExchangeRequest,
    actor: str,
    now: datetime,
    *,
    closed: bool = False,
) -> None:
    """Re-derive the request's status and due date from its current dispatches; ``closed``
    when the request is being cancelled (a cancelled request stays so)."""
    closed = closed or request.status == RequestStatus.CANCELLED.value
    current = current_dispatches(request.dispatches)
    status = derive_request_status((d.status for d in current), closed=closed)
    pending = [d.due_at for d in request.dispatches if not is_terminal(d.status)]
    request.due_at = min(pending) if pending else None
    request.updated_at = now
    if status.value != request.status:
        uow.record_event(
            request_id=request.id,
            type="request_status",
            actor=actor,
            at=now,
            from_status=request.status,
            to_status=status.value,
        )
        request.status = status.value


def settle_request(
    uow: UnitOfWork,
    request: ExchangeRequest,
    actor: str,
    now: datetime,
    *,
    closed: bool = False,
) -> None:
    """The end of a person's action on a request (cancellation, re-routing, retry, replay):
    its status re-derived and a status notice staged for the screens. The tracker refreshes
    only: it publishes a notice per transition itself (``live/notices.py``)."""
    refresh_request_status(uow, request, actor, now, closed=closed)
    uow.stage_notice(request, now)

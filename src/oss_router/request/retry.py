"""A supervisor's retry of a failed dispatch on its own channel, and the re-staging it shares
with the operator's dead-letter replay (``dead_letter/service.py``). Never commits.

A retry is the supervisor's statement that the cause is gone: the ``failed`` dispatch goes
back to ``queued`` (``lifecycle.replay_target``, the one way out of a terminal state), its
attempt counter and error are reset and a new envelope is staged in the outbox. The envelope
carries the journey's number (``x-oss-replay``: replays and retries of the dispatch so far),
so that the worker's results of this journey get fresh message ids and the tracker's inbox
does not take them for repeats of the first journey's.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.errors import Conflict, NotFound
from oss_router.live.notices import stage_notice
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.outbox.service import enqueue_dispatch
from oss_router.request import repository, timeline
from oss_router.request.lifecycle import is_superseded, replay_target
from oss_router.request.service import (
    dispatch_envelope,
    move_dispatch,
    refresh_request_status,
    visible_to,
)

RETRIED = "retried"


async def retry_dispatch(
    session: AsyncSession,
    request_id: UUID,
    dispatch_id: UUID,
    reason: str,
    principal: Principal,
    now: datetime,
) -> ExchangeRequest:
    """Send a failed dispatch again through its channel; 409 unless ``retry_refusal`` is None.

    Audited as an alteration with the supervisor's reason (LED 2016/680 Art. 25); the relay
    audits the disclosure when it publishes the new envelope."""
    request = visible_to(await repository.get(session, request_id, lock=True), principal)
    dispatch = dispatch_of(request, dispatch_id)
    refusal = retry_refusal(request, dispatch)
    if refusal is not None:
        raise Conflict(f"this dispatch cannot be retried: {refusal}")
    journey = await repository.journeys_of(session, dispatch.id) + 1
    detail = {
        "reason": reason,
        "channel": dispatch.channel,
        "country": dispatch.country,
        "replay": journey,
        "previous_attempts": dispatch.attempts,
        "previous_error": dispatch.error,
    }
    restage(session, request, dispatch, principal.actor, now, event=RETRIED, detail=detail)
    record = AuditRecord(
        Action.ALTERATION,
        Actor.of(principal),
        request.id,
        reason,
        recipients=[{"channel": dispatch.channel, "country": dispatch.country}],
        detail={"operation": "retry", "dispatch_id": str(dispatch.id), "replay": journey},
    )
    await audit.append(session, [record], now)
    return request


def retry_refusal(request: ExchangeRequest, dispatch: Dispatch) -> str | None:
    """Why this dispatch cannot go to its channel again now, or None if it can."""
    if request.purged_at is not None:
        return "the request's personal data were erased"
    if request.status == RequestStatus.CANCELLED.value:
        return "the request was cancelled"
    if dispatch.status != DispatchStatus.FAILED.value:
        return f"it is {dispatch.status}, not failed"
    if is_superseded(dispatch, request.dispatches):
        return "it was re-routed to another channel"
    if request.status != RequestStatus.FAILED.value:
        # Answered with this failure left in it: cancelled by a person (decision 0018).
        return "the request was closed with this failure"
    return None


def restage(
    session: AsyncSession,
    request: ExchangeRequest,
    dispatch: Dispatch,
    actor: str,
    now: datetime,
    *,
    event: str,
    detail: dict[str, Any],
) -> None:
    """Put a dispatch back on its way to its channel (journey ``detail["replay"]``): ``failed``
    → ``queued``, attempts and error reset, the ``event`` on the timeline, a new envelope."""
    journey = int(detail["replay"])
    if dispatch.status == DispatchStatus.FAILED.value:
        target = replay_target(dispatch.status)
        move_dispatch(session, request, dispatch, target, actor, now, {"replay": journey})
    dispatch.attempts, dispatch.error, dispatch.updated_at = 0, None, now
    timeline.record(
        session,
        request_id=request.id,
        dispatch_id=dispatch.id,
        type=event,
        actor=actor,
        at=now,
        detail=detail,
    )
    enqueue_dispatch(session, dispatch_envelope(request, dispatch), now, replay=journey)
    refresh_request_status(session, request, actor, now)
    stage_notice(session, request, now)


def dispatch_of(request: ExchangeRequest, dispatch_id: UUID) -> Dispatch:
    dispatch = next((d for d in request.dispatches if d.id == dispatch_id), None)
    if dispatch is None:
        raise NotFound("no such dispatch on this request")
    return dispatch

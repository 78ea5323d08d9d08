"""Staging a dispatch for its channel: a new dispatch with its outbox row, or a failed one put
back on its way (a supervisor's retry, an operator's dead-letter replay). Never commits.

A re-staged dispatch's envelope carries the journey's number (``x-oss-replay``: replays and
retries of the dispatch so far), so that the worker's results of this journey get fresh
message ids and the tracker's inbox does not take them for repeats of the first journey's.
"""

import uuid
from datetime import datetime
from typing import Any

from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.country import load_reference_data
from oss_router.dispatch.lifecycle import is_superseded, replay_target
from oss_router.dispatch.transitions import move_dispatch, settle_request
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.routing.deadlines import under_directive
from oss_router.routing.decision import DispatchDecision
from oss_router.unit_of_work import UnitOfWork


def stage_dispatch(
    uow: UnitOfWork,
    request: ExchangeRequest,
    position: int,
    choice: DispatchDecision,
    actor: str,
    now: datetime,
) -> Dispatch:
    """A new dispatch with its ``routed`` event and its outbox row."""
    dispatch = Dispatch(
        id=uuid.uuid4(),
        request_id=request.id,
        position=position,
        channel=choice.channel.value,
        country=choice.country,
        status=DispatchStatus.QUEUED.value,
        rule=choice.rule,
        explanation=choice.explanation,
        due_at=choice.due_at,
        deadline_basis=choice.deadline_basis,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    request.dispatches.append(dispatch)
    uow.record_event(
        request_id=request.id,
        dispatch_id=dispatch.id,
        type="routed",
        actor=actor,
        at=now,
        to_status=DispatchStatus.QUEUED.value,
        detail={
            "channel": dispatch.channel,
            "country": dispatch.country,
            "rule": dispatch.rule,
            "explanation": dispatch.explanation,
            "due_at": dispatch.due_at.isoformat(),
            "deadline_basis": dispatch.deadline_basis,
        },
    )
    enqueue_dispatch(uow, dispatch_envelope(request, dispatch), now)
    return dispatch


def dispatch_envelope(request: ExchangeRequest, dispatch: Dispatch) -> DispatchEnvelope:
    """The message that takes this dispatch to its channel (a new message id each time)."""
    return DispatchEnvelope(
        message_id=uuid.uuid4(),
        request_id=request.id,
        dispatch_id=dispatch.id,
        correlation_id=str(request.id),
        channel=dispatch.channel,
        country=dispatch.country,
        kind=request.kind,
        subject=request.subject or {},
        purpose=request.purpose or "",
        urgency=request.urgency,
        handling_code=request.handling_code,
        crime_area=request.crime_area,
        sis_alert_id=request.sis_alert_id,
        reference=request.reference,
        due_at=dispatch.due_at,
        created_at=request.created_at,
        directive_exchange=directive_exchange(dispatch),
    )


def directive_exchange(dispatch: Dispatch) -> bool:
    """The dispatch is a request under Directive (EU) 2023/977 (its Art. 6 refusal grounds)."""
    eu_or_schengen = load_reference_data().is_eu_or_schengen(dispatch.country)
    return under_directive(dispatch.channel, eu_or_schengen)


def enqueue_dispatch(
    uow: UnitOfWork, envelope: DispatchEnvelope, now: datetime, *, replay: int = 0
) -> None:
    """The envelope's outbox row: the relay publishes it to the channel's dispatch exchange."""
    uow.enqueue_on_channel(
        message_id=envelope.message_id,
        channel=str(envelope.channel),
        body=envelope.model_dump_json().encode(),
        correlation_id=envelope.correlation_id,
        now=now,
        replay=replay,
        dispatch_id=envelope.dispatch_id,
    )


def retry_refusal(request: ExchangeRequest, dispatch: Dispatch) -> str | None:
    """Why this dispatch cannot go to its channel again now, or None if it can (a retry, a
    replay, and a re-routing of a failed dispatch share these conditions)."""
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
    uow: UnitOfWork,
    request: ExchangeRequest,
    dispatch: Dispatch,
    actor: str,
    now: datetime,
    *,
    event: str,
    detail: dict[str, Any],
) -> None:
    """Put a dispatch back on its way to its channel (journey ``detail["replay"]``): ``failed``
    → ``queued`` (``lifecycle.replay_target``, the one way out of a terminal state), attempts
    and error reset, the ``event`` on the timeline, a new envelope."""
    journey = int(detail["replay"])
    if dispatch.status == DispatchStatus.FAILED.value:
        target = replay_target(dispatch.status)
        move_dispatch(uow, request, dispatch, target, actor, now, {"replay": journey})
    dispatch.attempts, dispatch.error, dispatch.updated_at = 0, None, now
    uow.record_event(
        request_id=request.id,
        dispatch_id=dispatch.id,
        type=event,
        actor=actor,
        at=now,
        detail=detail,
    )
    enqueue_dispatch(uow, dispatch_envelope(request, dispatch), now, replay=journey)
    settle_request(uow, request, actor, now)


def sent_again(
    request: ExchangeRequest,
    dispatch: Dispatch,
    actor: Actor,
    reason: str,
    *,
    operation: str,
    journey: int,
) -> AuditRecord:
    """The audit entry of a person sending a failed dispatch again (a supervisor's retry, an
    operator's replay): an alteration with its reason and recipient (LED 2016/680 Art. 25); the
    relay audits the disclosure itself when it publishes the new envelope."""
    return AuditRecord(
        Action.ALTERATION,
        actor,
        request.id,
        reason,
        recipients=[{"channel": dispatch.channel, "country": dispatch.country}],
        detail={"operation": operation, "dispatch_id": str(dispatch.id), "replay": journey},
    )

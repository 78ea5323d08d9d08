"""Cancelling a request: every dispatch not yet terminal is cancelled. Never commits."""

from datetime import datetime
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal, Role
from oss_router.dispatch.lifecycle import CLOSED_REQUEST_STATUSES, is_terminal, should_apply
from oss_router.dispatch.transitions import move_dispatch, settle_request
from oss_router.errors import Conflict, Forbidden
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.models import ExchangeRequest
from oss_router.request import repository
from oss_router.request.reads import visible_to
from oss_router.unit_of_work import UnitOfWork


async def cancel_request(
    uow: UnitOfWork, request_id: UUID, reason: str, principal: Principal, now: datetime
) -> ExchangeRequest:
    """Cancel every dispatch not yet terminal; 409 when the request is answered or cancelled.

    A failed request can be cancelled: giving up is one of the actions a failure asks for, and
    its failed dispatches then need nobody's action (decision 0018).
    Officers cancel the requests they created; supervisors cancel any (403 otherwise)."""
    request = visible_to(await repository.get(uow.session, request_id, lock=True), principal)
    if principal.role is not Role.SUPERVISOR and request.created_by != principal.subject:
        raise Forbidden("only the officer who created a request, or a supervisor, may cancel it")
    if RequestStatus(request.status) in CLOSED_REQUEST_STATUSES:
        raise Conflict(f"request is already {request.status}; it cannot be cancelled")
    cancelled = [
        {"channel": d.channel, "country": d.country}
        for d in request.dispatches
        if not is_terminal(d.status)
    ]
    for dispatch in request.dispatches:
        if not is_terminal(dispatch.status) and should_apply(
            dispatch.status, DispatchStatus.CANCELLED
        ):
            move_dispatch(
                uow,
                request,
                dispatch,
                DispatchStatus.CANCELLED,
                principal.actor,
                now,
                {"reason": reason},
            )
    uow.record_event(
        request_id=request.id,
        type="cancel_requested",
        actor=principal.actor,
        at=now,
        detail={"reason": reason},
    )
    settle_request(uow, request, principal.actor, now, closed=True)
    record = AuditRecord(
        Action.ALTERATION,
        Actor.of(principal),
        request.id,
        reason,
        recipients=cancelled,
        detail={"operation": "cancel"},
    )
    await audit.append(uow.session, [record], now)
    return request

"""An officer's correction of a received request's access type, which moves its deadline.

Whether the information asked for is directly or indirectly accessible to the bureau is ours
to decide (Directive (EU) 2023/977 Art. 2(6), (7)); for an urgent request it decides between
the 8 hours and the 3 days of Art. 5(1)(a), (b). The registers' configuration or the partner
gives a first answer; an officer who knows better corrects it, with a reason. The due time
moves by the difference between the two deadlines, so a suspension already counted (Art.
6(3)) or a delay notified (Art. 5(2)) stays counted. Never commits.
"""

from datetime import datetime, timedelta
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.errors import Conflict
from oss_router.inbound import repository
from oss_router.inbound.access import visible_to
from oss_router.inbound.deadlines import InboundTargets, compute_due
from oss_router.inbound.replies import renew_deadline_markers, stage_inbound_notice
from oss_router.inbound.repository import CLOSED_STATUSES
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import AccessType, Channel, InboundStatus, Urgency
from oss_router.models import InboundRequest
from oss_router.unit_of_work import UnitOfWork

ACCESS_TYPE_EVENT = "access_type_corrected"


def _base_due(
    request: InboundRequest, access_type: AccessType, targets: InboundTargets
) -> datetime:
    return compute_due(
        channel=Channel(request.channel),
        requesting_country=request.requesting_country,
        urgency=Urgency(request.urgency),
        access_type=access_type,
        received_at=request.received_at,
        targets=targets,
    ).due_at


async def correct_access_type(
    work: UnitOfWork,
    inbound_id: UUID,
    access_type: AccessType,
    reason: str,
    principal: Principal,
    now: datetime,
    targets: InboundTargets,
) -> InboundRequest:
    """Set the access type (source ``officer``) and move ``due_at`` accordingly; 409 once the
    request is answered or refused, or when the access type is that already."""
    request = visible_to(await repository.get(work.session, inbound_id, lock=True), principal)
    if InboundStatus(request.status) in CLOSED_STATUSES:
        raise Conflict(f"the request is {request.status}: its deadline no longer runs")
    previous = AccessType(request.access_type)
    if previous is access_type:
        raise Conflict(f"the access type is {access_type.value} already")
    shift: timedelta = _base_due(request, access_type, targets) - _base_due(
        request, previous, targets
    )
    due = compute_due(
        channel=Channel(request.channel),
        requesting_country=request.requesting_country,
        urgency=Urgency(request.urgency),
        access_type=access_type,
        received_at=request.received_at,
        targets=targets,
    )
    old_due = request.due_at
    request.access_type = access_type.value
    request.access_type_source = "officer"
    request.due_at = request.due_at + shift
    renew_deadline_markers(request, now)  # a later due time is a new deadline for the watch
    request.deadline_basis = due.basis
    request.updated_at = now
    record_inbound_event(
        work,
        inbound_id=request.id,
        type=ACCESS_TYPE_EVENT,
        actor=principal.actor,
        at=now,
        detail={
            "from_access_type": previous.value,
            "access_type": access_type.value,
            "reason": reason,
            "from_due_at": old_due.isoformat(),
            "due_at": request.due_at.isoformat(),
            "deadline_basis": request.deadline_basis,
        },
    )
    stage_inbound_notice(work, request, now)  # a new due time: open screens re-read it
    record = AuditRecord(
        Action.ALTERATION,
        Actor.of(principal),
        None,
        reason,
        detail={
            "operation": "access_type_correction",
            "from_access_type": previous.value,
            "access_type": access_type.value,
        },
        inbound_id=request.id,
    )
    await audit.append(work.session, [record], now)
    return request

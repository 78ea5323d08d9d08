"""A supervisor re-routes one target of a request to another eligible channel. Never commits.

The dispatch that was on its way (or that failed) is closed and a new dispatch to the same
country is staged on the chosen channel, as an officer override would have routed it at intake
(rule ``OVERRIDE``, eligibility checked by the routing policy, reason mandatory and recorded).
Its deadline runs from the re-routing, when the new channel receives the request.
"""

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.errors import Conflict, FieldError, NotFound, Unroutable
from oss_router.live.notices import stage_notice
from oss_router.messages.codes import (
    AccessType,
    Channel,
    DispatchStatus,
    Kind,
    Urgency,
    UrgencyGround,
)
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.request import repository, timeline
from oss_router.request.lifecycle import is_terminal
from oss_router.request.service import (
    move_dispatch,
    refresh_request_status,
    stage_dispatch,
    visible_to,
)
from oss_router.routing.decision import DispatchDecision, RoutingQuery, RoutingRefused
from oss_router.routing.policy import RoutingPolicy

# An answered dispatch has done its job; a cancelled one was stopped on purpose.
_FINAL = {DispatchStatus.ANSWERED.value, DispatchStatus.CANCELLED.value}


async def reroute_dispatch(
    session: AsyncSession,
    policy: RoutingPolicy,
    request_id: UUID,
    dispatch_id: UUID,
    channel: Channel,
    reason: str,
    principal: Principal,
    now: datetime,
) -> ExchangeRequest:
    request = visible_to(await repository.get(session, request_id, lock=True), principal)
    dispatch = _dispatch_of(request, dispatch_id)
    if dispatch.status in _FINAL:
        raise Conflict(f"dispatch is already {dispatch.status}; it cannot be re-routed")
    if dispatch.channel == channel.value:
        raise Unroutable(
            f"the dispatch to {dispatch.country} already uses {channel}",
            errors=[FieldError("channel", "choose another channel")],
        )
    choice = _decide(policy, request, dispatch.country, channel, reason, now)
    if not is_terminal(dispatch.status):
        detail = {"reason": reason, "rerouted_to": channel.value}
        move_dispatch(
            session, request, dispatch, DispatchStatus.CANCELLED, principal.actor, now, detail
        )
    position = max(d.position for d in request.dispatches) + 1
    new = stage_dispatch(session, request, position, choice, principal, now)
    timeline.record(
        session,
        request_id=request.id,
        dispatch_id=new.id,
        type="rerouted",
        actor=principal.actor,
        at=now,
        detail={
            "country": dispatch.country,
            "from_channel": dispatch.channel,
            "channel": channel.value,
            "replaces": str(dispatch.id),
            "reason": reason,
        },
    )
    refresh_request_status(session, request, principal.actor, now)
    stage_notice(session, request, now)
    record = AuditRecord(
        Action.ALTERATION,
        Actor.of(principal),
        request.id,
        reason,
        recipients=[{"channel": channel.value, "country": dispatch.country}],
        detail={
            "operation": "reroute",
            "from_channel": dispatch.channel,
            "replaces": str(dispatch.id),
        },
    )
    await audit.append(session, [record], now)
    return request


def _dispatch_of(request: ExchangeRequest, dispatch_id: UUID) -> Dispatch:
    dispatch = next((d for d in request.dispatches if d.id == dispatch_id), None)
    if dispatch is None:
        raise NotFound("no such dispatch on this request")
    return dispatch


def _decide(
    policy: RoutingPolicy,
    request: ExchangeRequest,
    country: str,
    channel: Channel,
    reason: str,
    now: datetime,
) -> DispatchDecision:
    query = RoutingQuery(
        kind=Kind(request.kind),
        target_countries=(country,),
        received_at=now,
        urgency=Urgency(request.urgency),
        urgency_ground=UrgencyGround(request.urgency_ground) if request.urgency_ground else None,
        access_type=AccessType(request.access_type),
        crime_area=request.crime_area,
        sis_alert_id=request.sis_alert_id,
        border_area=request.border_area,
        preferred_channel=channel,
        override_reason=reason,
    )
    try:
        return policy.decide(query).dispatches[0]
    except RoutingRefused as refused:
        raise Unroutable(
            refused.reason, errors=[FieldError("channel", refused.reason)], rule=refused.rule
        ) from None

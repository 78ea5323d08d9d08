"""A supervisor re-routes one target of a request to another eligible channel. Never commits.

The dispatch that was on its way (or that failed) is closed and a new dispatch to the same
country is staged on the chosen channel, as an officer override would have routed it at intake
(rule ``OVERRIDE``, eligibility checked by the routing policy, reason mandatory and recorded).
Its deadline runs from the re-routing, when the new channel receives the request.
"""

from datetime import datetime
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.dispatch.lifecycle import is_terminal
from oss_router.dispatch.staging import retry_refusal, stage_dispatch
from oss_router.dispatch.transitions import move_dispatch, settle_request
from oss_router.errors import Conflict, FieldError, Unroutable
from oss_router.messages.codes import Channel, DispatchStatus
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.request import repository
from oss_router.request.reads import visible_to
from oss_router.request.retry import dispatch_of
from oss_router.request.routing import decide, routing_query
from oss_router.routing.decision import RoutingQuery
from oss_router.routing.policy import RoutingPolicy
from oss_router.unit_of_work import UnitOfWork

# An answered dispatch has done its job; a cancelled one was stopped on purpose.
_FINAL = {DispatchStatus.ANSWERED.value, DispatchStatus.CANCELLED.value}


async def reroute_dispatch(
    uow: UnitOfWork,
    policy: RoutingPolicy,
    request_id: UUID,
    dispatch_id: UUID,
    channel: Channel,
    reason: str,
    principal: Principal,
    now: datetime,
) -> ExchangeRequest:
    request = visible_to(await repository.get(uow.session, request_id, lock=True), principal)
    dispatch = dispatch_of(request, dispatch_id)
    refusal = reroute_refusal(request, dispatch)
    if refusal is not None:
        raise Conflict(f"this dispatch cannot be re-routed: {refusal}")
    if dispatch.channel == channel.value:
        raise Unroutable(
            f"the dispatch to {dispatch.country} already uses {channel}",
            errors=[FieldError("channel", "Choose another channel: the dispatch already uses it.")],
        )
    query = reroute_query(request, dispatch.country, now, channel, reason)
    choice = decide(policy, query, field="channel").dispatches[0]
    if not is_terminal(dispatch.status):
        detail = {"reason": reason, "rerouted_to": channel.value}
        move_dispatch(
            uow, request, dispatch, DispatchStatus.CANCELLED, principal.actor, now, detail
        )
    position = max(d.position for d in request.dispatches) + 1
    new = stage_dispatch(uow, request, position, choice, principal.actor, now)
    uow.record_event(
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
    settle_request(uow, request, principal.actor, now)
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
    await audit.append(uow.session, [record], now)
    return request


def reroute_refusal(request: ExchangeRequest, dispatch: Dispatch) -> str | None:
    """Why this dispatch cannot be re-routed now, or None if it can."""
    if dispatch.status in _FINAL:
        return f"it is already {dispatch.status}"
    if dispatch.status == DispatchStatus.FAILED.value:
        return retry_refusal(request, dispatch)  # the same conditions as sending it again
    if request.purged_at is not None:
        return "the request's personal data were erased"
    return None


def reroute_channels(
    policy: RoutingPolicy, request: ExchangeRequest, dispatch: Dispatch, now: datetime
) -> list[Channel]:
    """The channels this dispatch could be re-routed to now (``DispatchRead.reroute_channels``):
    eligible for its country and the request by the routing policy, other than its own."""
    if reroute_refusal(request, dispatch) is not None:
        return []
    query = reroute_query(request, dispatch.country, now)
    eligible = policy.eligible_channels(query, dispatch.country)
    return [channel for channel in eligible if channel.value != dispatch.channel]


def reroute_query(
    request: ExchangeRequest,
    country: str,
    now: datetime,
    channel: Channel | None = None,
    reason: str | None = None,
) -> RoutingQuery:
    """The request as the routing policy reads it, for one country, decided ``now``."""
    return routing_query(request, [country], now, preferred_channel=channel, override_reason=reason)

"""An officer stages the follow-up of a Prüm hit: the request, through SIENA, for the data
behind the match (routing rule F1). Never commits.

An automated search answers hit or no hit; the requesting state confirms the match, then asks
the requested state for the data behind it — the core data owed within 48 hours of the
confirmation (Regulation (EU) 2024/982 Art. 47(1)), anything beyond them under Directive (EU)
2023/977. The follow-up is a new dispatch of the same request to the state of the hit, with its
own rule, basis and deadline; the answered search stays as it was.
"""

from datetime import datetime
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.dispatch.staging import stage_dispatch
from oss_router.dispatch.transitions import settle_request
from oss_router.errors import Conflict
from oss_router.messages.codes import Channel, DispatchStatus, Outcome, RequestStatus
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.request import repository
from oss_router.request.reads import visible_to
from oss_router.request.retry import dispatch_of
from oss_router.request.routing import routing_query
from oss_router.routing.follow_up import FOLLOW_UP_RULE
from oss_router.routing.policy import RoutingPolicy
from oss_router.unit_of_work import UnitOfWork

FOLLOW_UP_STAGED = "follow_up_staged"


async def stage_follow_up(
    uow: UnitOfWork,
    policy: RoutingPolicy,
    request_id: UUID,
    dispatch_id: UUID,
    note: str | None,
    principal: Principal,
    now: datetime,
) -> ExchangeRequest:
    """Stage the follow-up of the Prüm hit ``dispatch_id``; 409 unless it is one that has none."""
    request = visible_to(await repository.get(uow.session, request_id, lock=True), principal)
    hit = dispatch_of(request, dispatch_id)
    refusal = follow_up_refusal(request, hit)
    if refusal is not None:
        raise Conflict(f"no follow-up can be staged for this dispatch: {refusal}")
    reference = partner_reference(hit)
    query = routing_query(request, [hit.country], now)
    choice = policy.follow_up(query, hit.country, reference)
    position = max(d.position for d in request.dispatches) + 1
    new = stage_dispatch(uow, request, position, choice, principal.actor, now)
    uow.record_event(
        request_id=request.id,
        dispatch_id=new.id,
        type=FOLLOW_UP_STAGED,
        actor=principal.actor,
        at=now,
        detail={"follows_up": str(hit.id), "partner_reference": reference, "note": note},
    )
    settle_request(uow, request, principal.actor, now)
    reason = note or f"follow-up of Prüm hit {reference}"
    record = AuditRecord(
        Action.ALTERATION,
        Actor.of(principal),
        request.id,
        reason,
        recipients=[{"channel": Channel.EUROPOL.value, "country": hit.country}],
        detail={"operation": "follow_up", "follows_up": str(hit.id), "rule": FOLLOW_UP_RULE},
    )
    await audit.append(uow.session, [record], now)
    return request


def partner_reference(dispatch: Dispatch) -> str:
    """The requested state's reference of the matching record (the Prüm answer's)."""
    answer = dispatch.answer or {}
    value = answer.get("partner_reference")
    return str(value) if value else f"dispatch {dispatch.id}"


def follow_up_refusal(request: ExchangeRequest, dispatch: Dispatch) -> str | None:
    """Why no follow-up can be staged for this dispatch now, or None if one can."""
    if dispatch.channel != Channel.PRUM.value:
        return "it is not an automated Prüm search"
    if dispatch.status != DispatchStatus.ANSWERED.value or dispatch.outcome != Outcome.HIT.value:
        return "the search has not answered with a hit"
    if request.purged_at is not None:
        return "the request's personal data were erased"
    if request.status == RequestStatus.CANCELLED.value:
        return "the request was cancelled"
    if any(_follows(other, dispatch) for other in request.dispatches):
        return "its follow-up was staged already"
    return None


def _follows(other: Dispatch, hit: Dispatch) -> bool:
    return other.rule == FOLLOW_UP_RULE and other.country == hit.country

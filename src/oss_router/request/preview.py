"""What creating a request now would decide, without storing it (``POST /v1/routing/preview``).
Never commits."""

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Actor
from oss_router.auth.principal import Principal
from oss_router.models import ExchangeRequest
from oss_router.registers.consultation import check_consultation
from oss_router.registers.service import NationalCheck, check_subject
from oss_router.request.duplicates import (
    duplicate_consultations,
    duplicate_warnings,
    open_requests_like,
)
from oss_router.request.intake import decide, effective_payload, query_of
from oss_router.request.routing import unroutable
from oss_router.request.schemas import RequestCreate, RoutingPreviewQuery
from oss_router.routing.decision import RoutingDecision, RoutingRefused
from oss_router.routing.policy import RoutingPolicy
from oss_router.routing.targets import TargetRouting, route_each


async def preview(
    session: AsyncSession,
    policy: RoutingPolicy,
    payload: RequestCreate | RoutingPreviewQuery,
    now: datetime,
    principal: Principal,
) -> tuple[RoutingDecision, list[TargetRouting], NationalCheck | None]:
    """Exactly what creating the request now would decide for its valid targets, without
    storing the request, and the refusal of each bad target; refused (422) like the request
    itself when no target can be routed, or for a fault of the whole request. With a subject,
    also what the national registers hold on it ("known to us"), audited as a consultation."""
    payload = effective_payload(payload, principal)
    try:
        routings = route_each(policy, query_of(payload, now))
    except RoutingRefused as refused:  # a fault of the whole request
        raise unroutable(refused) from None
    routable = [routing.country for routing in routings if routing.dispatch is not None]
    if not routable:
        decide(policy, payload, now)  # raises the 422 naming every target
    valid = payload.model_copy(update={"target_countries": routable})
    decision, matches = await _decide_with_duplicates(session, policy, valid, now, principal)
    # Only a preview that will be shown asks the registers (a refused one consults nothing);
    # the audit comes last, after the check: it takes the chain-head lock until the commit.
    check = await _known_to_us(payload)
    records = duplicate_consultations(matches, payload, principal)
    if check is not None:
        records += check_consultation(
            check,
            payload.kind,
            Actor.of(principal),
            request_id=None,
            justification=payload.purpose,
            context="preview",
        )
    await audit.append(session, records, now)
    return decision, [routing for routing in routings if routing.refused is not None], check


async def _known_to_us(payload: RequestCreate | RoutingPreviewQuery) -> NationalCheck | None:
    if payload.subject is None:  # a draft without its subject yet: nothing to check
        return None
    return await check_subject(
        payload.kind, payload.subject.model_dump(mode="json", exclude_none=True)
    )


async def _decide_with_duplicates(
    session: AsyncSession,
    policy: RoutingPolicy,
    payload: RequestCreate | RoutingPreviewQuery,
    now: datetime,
    principal: Principal,
) -> tuple[RoutingDecision, list[ExchangeRequest]]:
    decision = decide(policy, payload, now)
    earlier = await open_requests_like(session, [payload])
    duplicates, matches = duplicate_warnings(payload, decision, earlier, principal)
    return replace(decision, warnings=decision.warnings + duplicates), matches

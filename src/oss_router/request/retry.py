"""A supervisor's retry of a failed dispatch on its own channel. Never commits.

A retry is the supervisor's statement that the cause is gone: the ``failed`` dispatch goes
back to ``queued``, its attempt counter and error are reset and a new envelope is staged in the
outbox (``dispatch.staging.restage``, shared with the operator's dead-letter replay).
"""

from datetime import datetime
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import Actor
from oss_router.auth.principal import Principal
from oss_router.dispatch import repository as dispatch_repository
from oss_router.dispatch.staging import restage, retry_refusal, sent_again
from oss_router.errors import Conflict, NotFound
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.request import repository
from oss_router.request.reads import visible_to
from oss_router.unit_of_work import UnitOfWork

RETRIED = "retried"


async def retry_dispatch(
    uow: UnitOfWork,
    request_id: UUID,
    dispatch_id: UUID,
    reason: str,
    principal: Principal,
    now: datetime,
) -> ExchangeRequest:
    """Send a failed dispatch again through its channel; 409 unless ``retry_refusal`` is None.

    Audited as an alteration with the supervisor's reason (LED 2016/680 Art. 25); the relay
    audits the disclosure when it publishes the new envelope."""
    request = visible_to(await repository.get(uow.session, request_id, lock=True), principal)
    dispatch = dispatch_of(request, dispatch_id)
    refusal = retry_refusal(request, dispatch)
    if refusal is not None:
        raise Conflict(f"this dispatch cannot be retried: {refusal}")
    journey = await dispatch_repository.journeys_of(uow.session, dispatch.id) + 1
    detail = {
        "reason": reason,
        "channel": dispatch.channel,
        "country": dispatch.country,
        "replay": journey,
        "previous_attempts": dispatch.attempts,
        "previous_error": dispatch.error,
    }
    restage(uow, request, dispatch, principal.actor, now, event=RETRIED, detail=detail)
    record = sent_again(
        request, dispatch, Actor.of(principal), reason, operation="retry", journey=journey
    )
    await audit.append(uow.session, [record], now)
    return request


def dispatch_of(request: ExchangeRequest, dispatch_id: UUID) -> Dispatch:
    dispatch = next((d for d in request.dispatches if d.id == dispatch_id), None)
    if dispatch is None:
        raise NotFound("no such dispatch on this request")
    return dispatch

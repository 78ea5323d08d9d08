"""``POST /v1/inbound/{id}/assign|answer|refuse|clarification-request|delay``: working a
received request. Thin: they delegate to ``inbound.actions`` and return the request as
``GET /v1/inbound/{id}`` shows it (without its timeline)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, status

from oss_router.auth.principal import Principal, Role
from oss_router.deps import NowDep, UnitOfWorkDep, require_roles
from oss_router.inbound import actions, reads
from oss_router.inbound.action_schemas import (
    AnswerBody,
    AssignBody,
    ClarificationRequestBody,
    DelayBody,
    RefuseBody,
)
from oss_router.inbound.schemas import InboundRead

router = APIRouter(prefix="/v1", tags=["inbound"])

# Officers and PCCC units take requests and reply; supervisors also assign to others.
Worker = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.PCCC))]

_COMMON: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The caller's role may not work requests (auditors), or the request "
        "is someone else's to reply to, or only a supervisor assigns to others"
    },
    404: {"description": "No such received request, or one of another PCCC unit"},
    409: {"description": "The request's status does not allow this action (or it was purged)"},
}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "The body does not fit the request; ``errors`` names the field"}
}
REPLY = {**_COMMON, **_INVALID}


@router.post(
    "/inbound/{inbound_id}/assign",
    response_model=InboundRead,
    responses={**_COMMON, **_INVALID},
)
async def assign_inbound(
    inbound_id: UUID, body: AssignBody, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> InboundRead:
    """Take the request (``officer``: yourself) or, as a supervisor, assign it to someone."""
    request = await actions.assign(uow, inbound_id, body.officer, principal, now)
    return reads.to_read(request, now, principal)


@router.post(
    "/inbound/{inbound_id}/answer",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundRead,
    responses=REPLY,
)
async def answer_inbound(
    inbound_id: UUID, body: AnswerBody, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> InboundRead:
    """Answer (hit with the information, or no hit): the reply is on its way to the partner."""
    request = await actions.answer(uow, inbound_id, body, principal, now)
    return reads.to_read(request, now, principal)


@router.post(
    "/inbound/{inbound_id}/refuse",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundRead,
    responses=REPLY,
)
async def refuse_inbound(
    inbound_id: UUID, body: RefuseBody, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> InboundRead:
    """Refuse with reasons; a Directive request on a ground of Art. 6(1)(a)-(h) only."""
    request = await actions.refuse(uow, inbound_id, body, principal, now)
    return reads.to_read(request, now, principal)


@router.post(
    "/inbound/{inbound_id}/clarification-request",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundRead,
    responses=REPLY,
)
async def request_clarification(
    inbound_id: UUID,
    body: ClarificationRequestBody,
    uow: UnitOfWorkDep,
    principal: Worker,
    now: NowDep,
) -> InboundRead:
    """Ask the partner to clarify; the clock stands still from its receipt to the answer."""
    request = await actions.request_clarification(uow, inbound_id, body, principal, now)
    return reads.to_read(request, now, principal)


@router.post(
    "/inbound/{inbound_id}/delay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundRead,
    responses=REPLY,
)
async def notify_delay(
    inbound_id: UUID, body: DelayBody, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> InboundRead:
    """Notify the partner of a delay (Art. 5(2)): the due time becomes ``expected_by``."""
    request = await actions.notify_delay(uow, inbound_id, body, principal, now)
    return reads.to_read(request, now, principal)

"""HTTP endpoints of case files: ``/v1/cases``. Thin: they delegate to ``cases.service``
(actions) and ``cases.reads`` (reading, audited)."""

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from oss_router.auth.principal import Principal
from oss_router.cases import reads, service
from oss_router.cases.access import READERS, WORKERS
from oss_router.cases.repository import CaseFilters
from oss_router.cases.schemas import (
    CaseCreate,
    CaseList,
    CaseRead,
    CaseStatus,
    CloseBody,
    CrimeArea,
    LinkBody,
)
from oss_router.deps import NowDep, PolicyDep, SessionDep, UnitOfWorkDep, require_roles

router = APIRouter(prefix="/v1", tags=["cases"])

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Worker = Annotated[Principal, Depends(require_roles(*WORKERS))]

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role may not do this (auditors see the audit log only)"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such case (or one of another PCCC unit), or no such request or "
        "message the caller may see"
    }
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The case's state does not allow this (closed, open already, full), "
        "or the request or message is filed in a case already"
    }
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "The body does not fit; ``errors`` names the field"}
}
ACTION = {**FORBIDDEN, **NOT_FOUND, **CONFLICT, **INVALID}


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseRead,
    responses={
        **FORBIDDEN,
        404: {"description": "No such request (request_id, inbound_id) the caller may see"},
        409: {
            "description": "The reference is another case's (``errors`` names ``reference``), "
            "or the request named is filed in a case already"
        },
        **INVALID,
    },
)
async def create_case(
    payload: CaseCreate,
    response: Response,
    uow: UnitOfWorkDep,
    policy: PolicyDep,
    principal: Worker,
    now: NowDep,
) -> CaseRead:
    """Open a case, empty or from a request (``request_id`` / ``inbound_id``)."""
    case = await service.create(uow, policy, payload, principal, now)
    response.headers["Location"] = f"/v1/cases/{case.id}"
    return await reads.case_read(uow.session, case, principal)


@router.get("/cases", response_model=CaseList, responses={**FORBIDDEN, **INVALID})
async def list_cases(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    status: CaseStatus | None = None,
    owner: Annotated[
        Literal["me"] | None, Query(description="``me``: the cases the caller opened")
    ] = None,
    crime_area: CrimeArea | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CaseList:
    """The cases the caller may see, newest first; keyset pagination."""
    filters = CaseFilters(
        status=status,
        owner=principal.subject if owner == "me" else None,
        crime_area=crime_area,
    )
    rows, links, next_cursor = await reads.list_cases(
        session, filters, principal, limit=limit, cursor=cursor, now=now
    )
    return CaseList(
        items=[reads.to_read(row, links[row.id]) for row in rows], next_cursor=next_cursor
    )


@router.get("/cases/{case_id}", response_model=CaseRead, responses={**FORBIDDEN, **NOT_FOUND})
async def read_case(case_id: UUID, session: SessionDep, principal: Reader, now: NowDep) -> CaseRead:
    """The case with everything in it as one timeline (audited as a consultation)."""
    case, links, timeline, truncated, messages = await reads.get_case(
        session, case_id, principal, now
    )
    return reads.to_read(case, links, timeline, truncated, messages)


@router.post("/cases/{case_id}/links", response_model=CaseRead, responses=ACTION)
async def link_to_case(
    case_id: UUID, body: LinkBody, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> CaseRead:
    """File a request in the case: ``{request_id}`` (sent) or ``{inbound_id}`` (received), or
    a message: ``{message_id}`` (received spontaneous information, say)."""
    case = await service.link(
        uow,
        case_id,
        principal,
        now,
        request_id=body.request_id,
        inbound_id=body.inbound_id,
        message_id=body.message_id,
    )
    return await reads.case_read(uow.session, case, principal)


@router.delete(
    "/cases/{case_id}/links/requests/{request_id}", response_model=CaseRead, responses=ACTION
)
async def unlink_request(
    case_id: UUID, request_id: UUID, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> CaseRead:
    """Take an outgoing request out of the case."""
    case = await service.unlink(uow, case_id, principal, now, request_id=request_id)
    return await reads.case_read(uow.session, case, principal)


@router.delete(
    "/cases/{case_id}/links/inbound/{inbound_id}", response_model=CaseRead, responses=ACTION
)
async def unlink_inbound(
    case_id: UUID, inbound_id: UUID, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> CaseRead:
    """Take a received request out of the case."""
    case = await service.unlink(uow, case_id, principal, now, inbound_id=inbound_id)
    return await reads.case_read(uow.session, case, principal)


@router.delete(
    "/cases/{case_id}/links/messages/{message_id}", response_model=CaseRead, responses=ACTION
)
async def unlink_message(
    case_id: UUID, message_id: UUID, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> CaseRead:
    """Take a message out of the case."""
    case = await service.unfile_message(uow, case_id, message_id, principal, now)
    return await reads.case_read(uow.session, case, principal)


@router.post("/cases/{case_id}/close", response_model=CaseRead, responses=ACTION)
async def close_case(
    case_id: UUID, body: CloseBody, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> CaseRead:
    """Close the case with a reason (409 when closed already)."""
    case = await service.close(uow, case_id, body.reason, principal, now)
    return await reads.case_read(uow.session, case, principal)


@router.post(
    "/cases/{case_id}/reopen",
    response_model=CaseRead,
    responses={**FORBIDDEN, **NOT_FOUND, **CONFLICT},
)
async def reopen_case(
    case_id: UUID, uow: UnitOfWorkDep, principal: Worker, now: NowDep
) -> CaseRead:
    """Reopen a closed case (409 when open)."""
    case = await service.reopen(uow, case_id, principal, now)
    return await reads.case_read(uow.session, case, principal)

"""HTTP endpoints of requests received from partners: registration by hand, the Incoming
queue, a request's detail, the access type's correction. Thin: they delegate to the modules
of ``oss_router.inbound``. The actions that work a request (assign, answer, refuse, ...) are
in ``action_endpoints.py``."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from oss_router.auth.principal import Principal
from oss_router.conversations.reads import inbound_thread
from oss_router.deps import NowDep, RuntimeDep, SessionDep, UnitOfWorkDep, require_roles
from oss_router.inbound import reads
from oss_router.inbound.access import CORRECTORS, READERS, REGISTRARS, assignee_name
from oss_router.inbound.correction import correct_access_type
from oss_router.inbound.deadlines import InboundTargets
from oss_router.inbound.manual import register_manual
from oss_router.inbound.registration import NationalChecker
from oss_router.inbound.repository import InboundFilters
from oss_router.inbound.schemas import AccessTypeBody, InboundList, InboundRead, InboundRegistration
from oss_router.messages.codes import Channel, InboundStatus
from oss_router.messages.subjects import COUNTRY_PATTERN
from oss_router.registers.service import check_subject

router = APIRouter(prefix="/v1", tags=["inbound"])

Registrar = Annotated[Principal, Depends(require_roles(*REGISTRARS))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Corrector = Annotated[Principal, Depends(require_roles(*CORRECTORS))]

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role may not do this (auditors see the audit log only)"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such received request, or one of another PCCC unit"}
}


async def get_national_checker(request: Request) -> NationalChecker:
    """The registers' check (``registers.service.check_subject``), unless the application
    was given another one (``app.state.national_checker``: tests)."""
    checker: NationalChecker = getattr(request.app.state, "national_checker", check_subject)
    return checker


CheckerDep = Annotated[NationalChecker, Depends(get_national_checker)]


def _targets(runtime: RuntimeDep) -> InboundTargets:
    return InboundTargets.from_settings(runtime.settings)


@router.post(
    "/inbound",
    status_code=status.HTTP_201_CREATED,
    response_model=InboundRead,
    responses={
        200: {"model": InboundRead, "description": "Registered already: the first registration"},
        **FORBIDDEN,
        409: {"description": "Registered already, for a PCCC unit the caller may not see"},
    },
)
async def register_inbound_request(
    payload: InboundRegistration,
    response: Response,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    checker: CheckerDep,
    principal: Registrar,
    now: NowDep,
) -> InboundRead:
    """Register a request that reached the bureau outside the channel systems. The same
    (channel, partner_reference) again returns the first registration (200, not 201)."""
    request, created = await register_manual(
        uow, checker, payload, principal, now, _targets(runtime)
    )
    response.headers["Location"] = f"/v1/inbound/{request.id}"
    if not created:
        response.status_code = status.HTTP_200_OK
    return reads.to_read(request, now, principal)


@router.get("/inbound", response_model=InboundList, responses=FORBIDDEN)
async def list_inbound(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    now: NowDep,
    status: InboundStatus | None = None,
    channel: Channel | None = None,
    requesting_country: Annotated[str | None, Query(pattern=COUNTRY_PATTERN)] = None,
    overdue: bool | None = None,
    mine: Annotated[bool, Query(description="only those assigned to the caller")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> InboundList:
    """The Incoming queue: open requests first, overdue first, then least time left."""
    filters = InboundFilters(
        status=status,
        channel=channel,
        requesting_country=requesting_country,
        overdue=overdue,
        assigned_to=assignee_name(principal) if mine else None,
    )
    rows, next_cursor = await reads.list_inbound(
        session,
        filters,
        principal,
        limit=limit,
        cursor=cursor,
        now=now,
        consultation_window=runtime.settings.audit_list_window,
    )
    return InboundList(
        items=[reads.to_read(row, now, principal) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/inbound/{inbound_id}", response_model=InboundRead, responses={**FORBIDDEN, **NOT_FOUND}
)
async def read_inbound(
    inbound_id: UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Reader,
    now: NowDep,
    refresh: Annotated[
        bool,
        Query(
            description="an open page re-reading itself: audited at most once per person per "
            "window (OSS_ROUTER_AUDIT_LIST_WINDOW_MINUTES), like a list row"
        ),
    ] = False,
) -> InboundRead:
    """A received request with its national check, related requests, replies and timeline."""
    window = runtime.settings.audit_list_window if refresh else None
    request, events = await reads.get_inbound(
        session, inbound_id, principal, now, refresh_window=window
    )
    suggested = await reads.suggested_cases(session, request, principal)
    messages, asks = await inbound_thread(session, request.id)
    case = await reads.case_of(session, request, principal)
    return reads.to_read(request, now, principal, events, suggested, messages, case, asks)


@router.post(
    "/inbound/{inbound_id}/access-type",
    response_model=InboundRead,
    responses={
        **FORBIDDEN,
        **NOT_FOUND,
        409: {"description": "Answered or refused already, or the access type is that already"},
    },
)
async def correct_inbound_access_type(
    inbound_id: UUID,
    body: AccessTypeBody,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    principal: Corrector,
    now: NowDep,
) -> InboundRead:
    """Correct whether the information is directly or indirectly accessible to the bureau,
    with a reason: the deadline is recomputed (Directive (EU) 2023/977 Art. 5(1))."""
    request = await correct_access_type(
        uow, inbound_id, body.access_type, body.reason, principal, now, _targets(runtime)
    )
    return reads.to_read(request, now, principal)

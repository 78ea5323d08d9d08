"""HTTP endpoints of exchange requests: thin, they delegate to ``request.service``."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status

from oss_router.auth.principal import Principal, Role
from oss_router.deps import (
    CurrentPrincipal,
    IntakeDep,
    NowDep,
    PolicyDep,
    RuntimeDep,
    SessionDep,
    UnitOfWorkDep,
    require_roles,
)
from oss_router.field_messages import explained
from oss_router.messages.codes import Channel, Kind, RequestStatus
from oss_router.messages.subjects import COUNTRY_PATTERN
from oss_router.request import follow_up, reading, repository, reroute, retry, service
from oss_router.request.schemas import (
    CancelBody,
    FollowUpBody,
    PreviewDispatch,
    PreviewTargetError,
    RequestCreate,
    RequestList,
    RequestRead,
    RerouteBody,
    RetryBody,
    RoutingPreview,
    RoutingPreviewQuery,
    WarningRead,
)

router = APIRouter(prefix="/v1", tags=["requests"])

# Who may do what (README "Security", roles table); a PCCC sees only its own unit's requests.
Creator = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.PCCC))]
Reader = Creator
Desk = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR))]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Conflict with the request's current state"}
}

RETRY_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid credentials"},
    403: {"description": "Only supervisors retry a dispatch"},
    404: {"description": "No such request, or no such dispatch on it"},
    409: {"description": "The dispatch is not failed, was re-routed, or its request is closed"},
}

FOLLOW_UP_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid credentials"},
    403: {"description": "Only officers and supervisors stage a follow-up"},
    404: {"description": "No such request, or no such dispatch on it"},
    409: {
        "description": "The dispatch is not a Prüm search answered with a hit, its follow-up "
        "was staged already, or its request is closed"
    },
}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=explained(
            r"^[\x21-\x7e]+$", "Use printable ASCII characters only, without spaces."
        ),
    ),
]


@router.post(
    "/requests",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RequestRead,
    responses=CONFLICT,
)
async def create_request(
    payload: RequestCreate,
    response: Response,
    intake: IntakeDep,
    policy: PolicyDep,
    principal: Creator,
    now: NowDep,
    idempotency_key: IdempotencyKey = None,
) -> RequestRead:
    outcome = await intake.submit(service.Intake(payload, principal, idempotency_key, now))
    response.headers["Location"] = f"/v1/requests/{outcome.request.id}"
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return reading.to_read(outcome.request, now, policy)


@router.get("/requests", response_model=RequestList)
async def list_requests(
    session: SessionDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    principal: Reader,
    now: NowDep,
    status: RequestStatus | None = None,
    channel: Channel | None = None,
    kind: Kind | None = None,
    country: Annotated[str | None, Query(pattern=COUNTRY_PATTERN)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> RequestList:
    filters = repository.RequestFilters(
        status=status,
        channel=channel,
        kind=kind,
        country=country,
        overdue=overdue,
    )
    rows, next_cursor = await service.list_requests(
        session,
        filters,
        principal,
        limit=limit,
        cursor=cursor,
        now=now,
        consultation_window=runtime.settings.audit_list_window,
    )
    return RequestList(
        items=[reading.to_read(row, now, policy) for row in rows], next_cursor=next_cursor
    )


@router.get("/requests/{request_id}", response_model=RequestRead)
async def read_request(
    request_id: UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    policy: PolicyDep,
    principal: Reader,
    now: NowDep,
    refresh: Annotated[
        bool,
        Query(
            description="an open page re-reading itself: audited at most once per person per "
            "window (OSS_ROUTER_AUDIT_LIST_WINDOW_MINUTES), like a list row"
        ),
    ] = False,
) -> RequestRead:
    window = runtime.settings.audit_list_window if refresh else None
    request, events, known_to_us = await service.get_request(
        session, request_id, principal, now, refresh_window=window
    )
    thread = await reading.thread_of(session, request)
    case = await reading.case_of(session, request, principal)
    return reading.to_read(request, now, policy, events, known_to_us, thread, case)


@router.post("/requests/{request_id}/cancel", response_model=RequestRead, responses=CONFLICT)
async def cancel_request(
    request_id: UUID,
    body: CancelBody,
    uow: UnitOfWorkDep,
    policy: PolicyDep,
    principal: Desk,
    now: NowDep,
) -> RequestRead:
    request = await service.cancel_request(uow, request_id, body.reason, principal, now)
    return reading.to_read(request, now, policy)


@router.post(
    "/requests/{request_id}/dispatches/{dispatch_id}/reroute",
    response_model=RequestRead,
    responses=CONFLICT,
    dependencies=[Depends(require_roles(Role.SUPERVISOR))],
)
async def reroute_dispatch(
    request_id: UUID,
    dispatch_id: UUID,
    body: RerouteBody,
    uow: UnitOfWorkDep,
    policy: PolicyDep,
    principal: CurrentPrincipal,
    now: NowDep,
) -> RequestRead:
    """Supervisors only: send one target through another eligible channel, with a reason."""
    request = await reroute.reroute_dispatch(
        uow, policy, request_id, dispatch_id, body.channel, body.reason, principal, now
    )
    return reading.to_read(request, now, policy)


@router.post(
    "/requests/{request_id}/dispatches/{dispatch_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RequestRead,
    dependencies=[Depends(require_roles(Role.SUPERVISOR))],
    responses=RETRY_RESPONSES,
)
async def retry_dispatch(
    request_id: UUID,
    dispatch_id: UUID,
    body: RetryBody,
    uow: UnitOfWorkDep,
    policy: PolicyDep,
    principal: CurrentPrincipal,
    now: NowDep,
) -> RequestRead:
    """Supervisors only: send a failed dispatch again through the same channel, with a reason
    (audited). 409 unless the dispatch is failed, not re-routed, and its request open."""
    request = await retry.retry_dispatch(uow, request_id, dispatch_id, body.reason, principal, now)
    return reading.to_read(request, now, policy)


@router.post(
    "/requests/{request_id}/dispatches/{dispatch_id}/follow-up",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RequestRead,
    responses=FOLLOW_UP_RESPONSES,
)
async def follow_up_hit(
    request_id: UUID,
    dispatch_id: UUID,
    body: FollowUpBody,
    uow: UnitOfWorkDep,
    policy: PolicyDep,
    principal: Desk,
    now: NowDep,
) -> RequestRead:
    """Officers and supervisors: stage the follow-up of a Prüm hit — a SIENA request to the
    state of the hit for the data behind the match (rule F1; Regulation (EU) 2024/982
    Art. 47: core data owed within 48 hours of the confirmation)."""
    request = await follow_up.stage_follow_up(
        uow, policy, request_id, dispatch_id, body.note, principal, now
    )
    return reading.to_read(request, now, policy)


@router.post("/routing/preview", response_model=RoutingPreview, tags=["routing"])
async def preview_routing(
    payload: RoutingPreviewQuery,
    session: SessionDep,
    policy: PolicyDep,
    principal: Creator,  # whoever may submit a request may preview its route
    now: NowDep,
) -> RoutingPreview:
    decision, refused, known_to_us = await service.preview(session, policy, payload, now, principal)
    return RoutingPreview(
        dispatches=[
            PreviewDispatch(
                channel=choice.channel,
                country=choice.country,
                rule=choice.rule,
                explanation=choice.explanation,
                due_at=choice.due_at,
                deadline_basis=choice.deadline_basis,
            )
            for choice in decision.dispatches
        ],
        warnings=[
            WarningRead.model_validate({**w.details, "code": w.code, "message": w.message})
            for w in decision.warnings
        ],
        policy_version=decision.policy_version,
        errors=[
            PreviewTargetError(
                field=routing.field,
                country=routing.country,
                message=routing.refused.reason,
                rule=routing.refused.rule,
            )
            for routing in refused
            if routing.refused is not None
        ],
        known_to_us=known_to_us,
    )

"""Reading and listing requests, as the principal may see them; each reading is audited as a
consultation. Never commits."""

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Actor
from oss_router.auth.principal import Principal, Role
from oss_router.errors import NotFound
from oss_router.messages.codes import Kind
from oss_router.models import ExchangeRequest, RequestEvent
from oss_router.registers.consultation import check_consultation
from oss_router.registers.service import NationalCheck, check_subject
from oss_router.request import repository


def may_see(request: ExchangeRequest, principal: Principal) -> bool:
    return principal.role is not Role.PCCC or request.unit == principal.unit


def visible_to(request: ExchangeRequest | None, principal: Principal) -> ExchangeRequest:
    """The request if the principal may see it; a PCCC sees only its own unit's (else 404,
    so that another unit's request does not even show to exist)."""
    if request is None or not may_see(request, principal):
        raise NotFound("no such request")
    return request


async def get_request(
    session: AsyncSession,
    request_id: UUID,
    principal: Principal,
    now: datetime,
    *,
    refresh_window: timedelta | None = None,
) -> tuple[ExchangeRequest, list[RequestEvent], NationalCheck | None]:
    """The request, its timeline and what the national registers hold on its subject; the
    reading is a consultation (audited), and so is the register check.

    Opening the request is always logged, and checks the registers (decision 0025): that
    check is a consultation of its own. ``refresh_window`` marks a page that is already open
    re-reading itself (after a live notice): logged like a list row, unless the same person
    has a consultation of it within the window (decision 0019), and it asks no register (the
    page keeps what it showed). A client cannot hide a first look this way: without a logged
    consultation the refresh is logged too.
    """
    request = visible_to(await repository.get(session, request_id), principal)
    events = await repository.events_of(session, request_id)
    actor = Actor.of(principal)
    if refresh_window is not None:
        await audit.append_list_views(session, [request], actor, now, refresh_window, via="refresh")
        return request, events, None
    check = await _known_to_us(request)
    records = audit.consultations([request], actor, {"via": "read"})
    if check is not None:
        records += check_consultation(
            check,
            Kind(request.kind),
            actor,
            request_id=request.id,
            justification=request.purpose,
            context="read",
        )
    await audit.append(session, records, now)
    return request, events, check


async def _known_to_us(request: ExchangeRequest) -> NationalCheck | None:
    if request.purged_at is not None or not request.subject:  # erased: nothing left to check
        return None
    return await check_subject(Kind(request.kind), request.subject)


async def list_requests(
    session: AsyncSession,
    filters: repository.RequestFilters,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    now: datetime,
    consultation_window: timedelta,
) -> tuple[list[ExchangeRequest], str | None]:
    """One page of requests the principal may see; each request shown is logged as consulted,
    at most once per person per ``consultation_window`` (audit.service.append_list_views)."""
    if principal.role is Role.PCCC:
        filters = replace(filters, unit=principal.unit)
    rows, next_cursor = await repository.list_page(
        session, filters, limit=limit, cursor=cursor, now=now
    )
    await audit.append_list_views(session, rows, Actor.of(principal), now, consultation_window)
    return rows, next_cursor

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
from oss_router.models import ExchangeRequest, RequestEvent
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
) -> tuple[ExchangeRequest, list[RequestEvent]]:
    """The request and its timeline; the reading is a consultation (audited).

    Opening the request is always logged. ``refresh_window`` marks a page that is already open
    re-reading itself (after a live notice): logged like a list row, unless the same person
    has a consultation of it within the window (decision 0019). A client cannot hide a first
    look this way: without a logged consultation the refresh is logged too.
    """
    request = visible_to(await repository.get(session, request_id), principal)
    events = await repository.events_of(session, request_id)
    actor = Actor.of(principal)
    if refresh_window is not None:
        await audit.append_list_views(session, [request], actor, now, refresh_window, via="refresh")
    else:
        await audit.append(session, audit.consultations([request], actor, {"via": "read"}), now)
    return request, events


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

"""Reading and listing requests received from partners, as the principal may see them; each
reading is audited as a consultation (LED 2016/680 Art. 25), a list row at most once per
person per window (decision 0019). Never commits. ``to_read`` maps a row to ``InboundRead``."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.auth.scope import sees_unit
from oss_router.conversations.reads import without_answer_unless_asked
from oss_router.conversations.schemas import MessageRead
from oss_router.conversations.service import inbound_message_types
from oss_router.inbound import repository
from oss_router.inbound.access import related_visible, unit_scope, visible_to
from oss_router.inbound.deadlines import is_directive_request
from oss_router.inbound.lifecycle import clock_stopped
from oss_router.inbound.repository import CLOSED_STATUSES, InboundFilters
from oss_router.inbound.schemas import (
    InboundEventRead,
    InboundRead,
    InboundReplyRead,
    RelatedRead,
    SuggestedCase,
)
from oss_router.messages.codes import Channel
from oss_router.models import CaseFile, InboundEvent, InboundRequest


def _running(request: InboundRequest) -> bool:
    return not clock_stopped(request.status, request.suspended_at is not None)


def is_overdue(request: InboundRequest, now: datetime) -> bool:
    """Open, its clock running, and past due (a suspended clock is not late; a clarification
    asked for and not yet received by the partner does not stop it: Art. 6(3))."""
    return _running(request) and request.due_at < now


def seconds_left(request: InboundRequest, now: datetime) -> int | None:
    if not _running(request):
        return None
    return int((request.due_at - now).total_seconds() // 1)


def to_read(
    request: InboundRequest,
    now: datetime,
    principal: Principal,
    events: list[InboundEvent] | None = None,
    suggested_cases: list[CaseFile] | None = None,
    messages: list[MessageRead] | None = None,
    case: CaseFile | None = None,
    partner_asks: bool = False,
) -> InboundRead:
    return InboundRead.model_validate(
        {
            **{name: getattr(request, name) for name in _FIELDS},
            "overdue": is_overdue(request, now),
            "directive": is_directive_request(Channel(request.channel), request.requesting_country),
            "seconds_left": seconds_left(request, now),
            "related": [
                RelatedRead.model_validate(entry)
                for entry in related_visible(request.related, principal)
            ],
            "replies": [InboundReplyRead.model_validate(reply) for reply in request.replies],
            "events": [InboundEventRead.model_validate(event) for event in events]
            if events is not None
            else None,
            "suggested_cases": [_suggestion(case) for case in suggested_cases]
            if suggested_cases is not None
            else None,
            "message_types_allowed": without_answer_unless_asked(
                inbound_message_types(request), partner_asks
            ),
            "messages": messages,
            "case": _suggestion(case) if case is not None else None,
        }
    )


_COMPUTED = {
    "overdue",
    "directive",
    "seconds_left",
    "related",
    "replies",
    "events",
    "suggested_cases",
    "message_types_allowed",
    "messages",
    "case",
}


def _suggestion(case: CaseFile) -> SuggestedCase:
    return SuggestedCase(
        id=case.id,
        reference=case.reference,
        title=case.title,
        status=case.status,
        href=f"/v1/cases/{case.id}",
    )


async def case_of(
    session: AsyncSession, request: InboundRequest, principal: Principal
) -> CaseFile | None:
    """The case the request is filed in, if the principal may see it."""
    case = await repository.case_holding(session, request.id)
    return case if case is not None and sees_unit(principal, case.unit) else None


async def suggested_cases(
    session: AsyncSession, request: InboundRequest, principal: Principal
) -> list[CaseFile]:
    """The cases holding a related request the principal may see (a PCCC: its unit's)."""
    entries = related_visible(request.related, principal)
    inbound_ids = [UUID(str(e["id"])) for e in entries if e.get("direction") == "inbound"]
    request_ids = [UUID(str(e["id"])) for e in entries if e.get("direction") != "inbound"]
    return await repository.cases_holding(session, request_ids, inbound_ids, unit_scope(principal))


_FIELDS = [name for name in InboundRead.model_fields if name not in _COMPUTED]


def consultations(
    requests: list[InboundRequest], actor: Actor, detail: dict[str, Any]
) -> list[AuditRecord]:
    """One consultation per received request whose personal data the actor was shown."""
    return [
        AuditRecord(
            Action.CONSULTATION, actor, None, request.purpose, detail=detail, inbound_id=request.id
        )
        for request in requests
        if request.purged_at is None
    ]


def _related_consultations(
    request: InboundRequest, principal: Principal, actor: Actor
) -> list[AuditRecord]:
    """Naming an earlier request about the same subject discloses it to the reader."""
    records = []
    for entry in related_visible(request.related, principal):
        related_id = UUID(str(entry["id"]))
        inbound = entry.get("direction") == "inbound"
        records.append(
            AuditRecord(
                Action.CONSULTATION,
                actor,
                None if inbound else related_id,
                request.purpose,
                detail={"via": "related request", "of_inbound": str(request.id)},
                inbound_id=related_id if inbound else None,
            )
        )
    return records


async def get_inbound(
    session: AsyncSession,
    inbound_id: UUID,
    principal: Principal,
    now: datetime,
    *,
    refresh_window: timedelta | None = None,
) -> tuple[InboundRequest, list[InboundEvent]]:
    """The request and its timeline; the reading is a consultation of it and of the related
    requests it names. ``refresh_window``: an open page re-reading itself, logged like a list
    row (decision 0019)."""
    request = visible_to(await repository.get(session, inbound_id), principal)
    events = await repository.events_of(session, inbound_id)
    actor = Actor.of(principal)
    if refresh_window is not None:
        records = consultations([request], actor, {"via": "refresh"})
        await audit.append_views(session, records, actor, now, refresh_window)
    else:
        records = consultations([request], actor, {"via": "read"})
        if request.purged_at is None:
            records += _related_consultations(request, principal, actor)
        await audit.append(session, records, now)
    return request, events


async def list_inbound(
    session: AsyncSession,
    filters: InboundFilters,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    now: datetime,
    consultation_window: timedelta,
) -> tuple[list[InboundRequest], str | None]:
    """One page of the received requests the principal may see (open first, overdue first,
    then least time left); each row shown is logged as consulted, at most once per person per
    ``consultation_window``."""
    scope = unit_scope(principal)
    if scope is not None:
        filters = replace(filters, unit=scope)
    rows, next_cursor = await repository.list_page(
        session, filters, limit=limit, cursor=cursor, now=now
    )
    actor = Actor.of(principal)
    records = consultations(rows, actor, {"via": "list"})
    await audit.append_views(session, records, actor, now, consultation_window)
    return rows, next_cursor


__all__ = ["CLOSED_STATUSES", "get_inbound", "list_inbound", "to_read"]

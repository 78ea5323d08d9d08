"""Reading and listing case files as the principal may see them, the case read as ONE
timeline: its own events and those of every request filed in it, in time order. Each reading
is audited as a consultation (LED 2016/680 Art. 25) of the case and of every request whose
timeline it shows; a list row at most once per person per window (decision 0019).
Never commits. ``to_read`` maps a row to ``CaseRead``."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.cases import repository
from oss_router.cases.access import unit_scope, visible_to
from oss_router.cases.repository import CaseFilters
from oss_router.cases.schemas import CaseMessageRead, CaseRead, LinkedRead, TimelineItem
from oss_router.inbound import access as inbound_access
from oss_router.models import (
    CaseEvent,
    CaseFile,
    CaseLink,
    ExchangeMessage,
    InboundEvent,
    RequestEvent,
)
from oss_router.request.reads import may_see as may_see_request

TIMELINE_LIMIT = 2000  # items of one case read: bounded work, whatever the case holds
MESSAGES_LIMIT = 1000  # messages shown in one case read

# Same moment: the case's own event first, then the requests', then the messages'.
_SOURCE_ORDER = {"case": 0, "request": 1, "inbound": 2, "message": 3}


def to_read(
    case: CaseFile,
    links: list[CaseLink],
    timeline: list[TimelineItem] | None = None,
    truncated: bool = False,
    messages: list[ExchangeMessage] | None = None,
) -> CaseRead:
    return CaseRead.model_validate(
        {
            **{name: getattr(case, name) for name in _FIELDS},
            "links": [LinkedRead.model_validate(link) for link in links],
            "messages": None if messages is None else [_message_read(m) for m in messages],
            "timeline": timeline,
            "timeline_truncated": truncated,
        }
    )


_COMPUTED = {"links", "messages", "timeline", "timeline_truncated"}
_FIELDS = [name for name in CaseRead.model_fields if name not in _COMPUTED]


def _message_read(message: ExchangeMessage) -> CaseMessageRead:
    return CaseMessageRead.model_validate(
        {
            **{name: getattr(message, name) for name in _MESSAGE_FIELDS},
            "href": f"/v1/messages/{message.id}",
        }
    )


_MESSAGE_FIELDS = [name for name in CaseMessageRead.model_fields if name != "href"]


async def case_read(session: AsyncSession, case: CaseFile, principal: Principal) -> CaseRead:
    """The case after an action, with the links and messages the principal may see (no
    timeline)."""
    links, _, _ = await visible_links(
        session, await repository.links_of(session, case.id), principal
    )
    return to_read(case, links, messages=await visible_messages(session, case.id, principal))


async def visible_messages(
    session: AsyncSession, case_id: UUID, principal: Principal
) -> list[ExchangeMessage]:
    """The messages in the case the principal may see: those of a thread it may see (a PCCC:
    its own unit's requests), and those on no thread (whoever sees the case sees them)."""
    messages = await repository.messages_of(session, case_id, MESSAGES_LIMIT)
    request_ids = sorted({m.request_id for m in messages if m.request_id is not None})
    inbound_ids = sorted({m.inbound_id for m in messages if m.inbound_id is not None})
    requests = {
        row.id for row in await repository.outgoing(session, request_ids)
        if may_see_request(row, principal)
    }  # fmt: skip
    received = {
        row.id for row in await repository.incoming(session, inbound_ids)
        if inbound_access.may_see(row, principal)
    }  # fmt: skip
    return [m for m in messages if _thread_visible(m, requests, received)]


def _thread_visible(message: ExchangeMessage, requests: set[UUID], received: set[UUID]) -> bool:
    if message.request_id is not None:
        return message.request_id in requests
    if message.inbound_id is not None:
        return message.inbound_id in received
    return True  # on no thread: in the case, which the principal may see


async def visible_links(
    session: AsyncSession, links: list[CaseLink], principal: Principal
) -> tuple[list[CaseLink], dict[UUID, str | None], dict[UUID, str | None]]:
    """The links to requests the principal may see (a PCCC: its own unit's), and the purpose
    of each such request not erased (None once erased)."""
    request_ids = [link.request_id for link in links if link.request_id is not None]
    inbound_ids = [link.inbound_id for link in links if link.inbound_id is not None]
    outgoing = {
        row.id: row
        for row in await repository.outgoing(session, request_ids)
        if may_see_request(row, principal)
    }
    incoming = {
        row.id: row
        for row in await repository.incoming(session, inbound_ids)
        if inbound_access.may_see(row, principal)
    }
    kept = [
        link
        for link in links
        if (link.request_id is not None and link.request_id in outgoing)
        or (link.inbound_id is not None and link.inbound_id in incoming)
    ]
    sent = {key: row.purpose for key, row in outgoing.items() if row.purged_at is None}
    received = {key: row.purpose for key, row in incoming.items() if row.purged_at is None}
    return kept, sent, received


async def get_case(
    session: AsyncSession, case_id: UUID, principal: Principal, now: datetime
) -> tuple[CaseFile, list[CaseLink], list[TimelineItem], bool, list[ExchangeMessage]]:
    """The case, the requests and messages in it the principal may see, and the one
    timeline."""
    case = visible_to(await repository.get(session, case_id), principal)
    links, sent, received = await visible_links(
        session, await repository.links_of(session, case_id), principal
    )
    request_ids = [link.request_id for link in links if link.request_id is not None]
    inbound_ids = [link.inbound_id for link in links if link.inbound_id is not None]
    items = [
        _case_item(event)
        for event in await repository.case_events(session, case.id, TIMELINE_LIMIT)
    ]
    items += [
        _request_item(event)
        for event in await repository.request_events(session, request_ids, TIMELINE_LIMIT)
    ]
    items += [
        _inbound_item(event)
        for event in await repository.inbound_events(session, inbound_ids, TIMELINE_LIMIT)
    ]
    messages = await visible_messages(session, case.id, principal)
    # A message on the thread of a request in the case is on that request's timeline already.
    shown_threads = set(request_ids) | set(inbound_ids)
    items += [
        _message_item(message)
        for message in messages
        if (thread := message.request_id or message.inbound_id) is None
        or thread not in shown_threads
    ]
    items.sort(key=lambda item: (item[0].at, _SOURCE_ORDER[item[0].source], item[1]))
    truncated = len(items) > TIMELINE_LIMIT
    timeline = [item for item, _ in items[:TIMELINE_LIMIT]]
    actor = Actor.of(principal)
    records = [_case_consultation(case, actor, "read")]
    detail = {"via": "case", "case_id": str(case.id)}
    records += [
        AuditRecord(Action.CONSULTATION, actor, key, purpose, detail=detail)
        for key, purpose in sent.items()
    ]
    records += [
        AuditRecord(Action.CONSULTATION, actor, None, purpose, detail=detail, inbound_id=key)
        for key, purpose in received.items()
    ]
    await audit.append(session, records, now)
    return case, links, timeline, truncated, messages


async def list_cases(
    session: AsyncSession,
    filters: CaseFilters,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> tuple[list[CaseFile], dict[UUID, list[CaseLink]], str | None]:
    """One page of the cases the principal may see, newest first, with their links; the page
    is logged as one consultation naming the cases shown (their titles may name a person)."""
    scope = unit_scope(principal)
    if scope is not None:
        filters = replace(filters, unit=scope)
    rows, next_cursor = await repository.list_page(session, filters, limit=limit, cursor=cursor)
    by_case: dict[UUID, list[CaseLink]] = {row.id: [] for row in rows}
    all_links = await repository.links_of_cases(session, list(by_case))
    kept, _, _ = await visible_links(session, all_links, principal)
    for link in kept:
        by_case[link.case_id].append(link)
    shown = [str(row.id) for row in rows if row.purged_at is None]
    if shown:
        record = AuditRecord(
            Action.CONSULTATION,
            Actor.of(principal),
            None,
            None,
            detail={"via": "case list", "case_ids": shown},
        )
        await audit.append(session, [record], now)
    return rows, by_case, next_cursor


def _case_consultation(case: CaseFile, actor: Actor, via: str) -> AuditRecord:
    return AuditRecord(
        Action.CONSULTATION,
        actor,
        None,
        case.reference,
        detail={"via": via, "case_id": str(case.id), "reference": case.reference},
    )


def _case_item(event: CaseEvent) -> tuple[TimelineItem, int]:
    return (
        TimelineItem(
            at=event.at,
            source="case",
            type=event.type,
            actor=event.actor,
            href=_href(event.request_id, event.inbound_id, event.case_id),
            case_id=event.case_id,
            request_id=event.request_id,
            inbound_id=event.inbound_id,
            detail=event.detail,
        ),
        event.id,
    )


def _request_item(event: RequestEvent) -> tuple[TimelineItem, int]:
    return (
        TimelineItem(
            at=event.at,
            source="request",
            type=event.type,
            actor=event.actor,
            href=f"/v1/requests/{event.request_id}",
            request_id=event.request_id,
            from_status=event.from_status,
            to_status=event.to_status,
            detail=event.detail,
        ),
        event.id,
    )


def _inbound_item(event: InboundEvent) -> tuple[TimelineItem, int]:
    return (
        TimelineItem(
            at=event.at,
            source="inbound",
            type=event.type,
            actor=event.actor,
            href=f"/v1/inbound/{event.inbound_id}",
            inbound_id=event.inbound_id,
            from_status=event.from_status,
            to_status=event.to_status,
            detail=event.detail,
        ),
        event.id,
    )


def _message_item(message: ExchangeMessage) -> tuple[TimelineItem, int]:
    incoming = message.direction == "incoming"
    return (
        TimelineItem(
            at=message.created_at,
            source="message",
            type="message_received" if incoming else "message_queued",
            actor=message.created_by,
            href=f"/v1/messages/{message.id}",
            case_id=message.case_id,
            request_id=message.request_id,
            inbound_id=message.inbound_id,
            message_id=message.id,
            detail={
                "message_id": str(message.id),
                "message_type": message.type,
                "direction": message.direction,
                "status": message.status,
                "channel": message.channel,
                "country": message.country,
            },
        ),
        0,
    )


def _href(request_id: UUID | None, inbound_id: UUID | None, case_id: UUID) -> str:
    if request_id is not None:
        return f"/v1/requests/{request_id}"
    if inbound_id is not None:
        return f"/v1/inbound/{inbound_id}"
    return f"/v1/cases/{case_id}"

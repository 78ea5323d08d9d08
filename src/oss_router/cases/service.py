"""Creating and working case files: open (empty or from a request), file requests and
messages in a case and take them out, close with a reason, reopen. Each action appends to the
case's timeline (append-only) and is audited on the hash-chained log (LED 2016/680 Art. 25).
Never commits: the ``UnitOfWork`` of the call does.

A request filed in a case brings the messages of its thread with it (``exchange_messages.
case_id``), and takes them out again when it leaves; a message on no request's thread (received
spontaneous information, Directive (EU) 2023/977 Art. 7) is filed on its own.
"""

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.cases import repository
from oss_router.cases.access import may_see_message, visible_to
from oss_router.cases.schemas import CaseCreate
from oss_router.conversations import repository as messages
from oss_router.errors import Conflict, FieldError, NotFound, ValidationFailed
from oss_router.inbound import access as inbound_access
from oss_router.models import CaseEvent, CaseFile, CaseLink, ExchangeMessage
from oss_router.request.reads import may_see as may_see_request
from oss_router.routing.policy import RoutingPolicy
from oss_router.search.documents import case_text
from oss_router.unit_of_work import UnitOfWork

OPEN, CLOSED = "open", "closed"
MAX_LINKS = 200  # requests per case: a case read stays bounded work
OUTSIDE_MANDATE = "other"


def check_crime_area(area: str, policy: RoutingPolicy) -> None:
    """The vocabulary of outgoing requests: a Europol mandate area, or ``other``."""
    if area != OUTSIDE_MANDATE and not policy.reference.is_mandate_area(area):
        raise ValidationFailed(
            f"unknown crime area {area!r}",
            errors=[
                FieldError(
                    "crime_area",
                    f"Choose a Europol mandate area (such as motor_vehicle_crime) or "
                    f"{OUTSIDE_MANDATE!r}.",
                )
            ],
        )


async def create(
    uow: UnitOfWork,
    policy: RoutingPolicy,
    payload: CaseCreate,
    principal: Principal,
    now: datetime,
) -> CaseFile:
    """A new open case owned by the caller (a PCCC's case is its unit's), with the requests
    named in the body filed in it at once. 409 naming ``reference`` when it is taken."""
    check_crime_area(payload.crime_area, policy)
    session = uow.session
    if await repository.by_reference(session, payload.reference) is not None:
        raise _reference_taken(payload.reference)
    case = CaseFile(
        id=uuid.uuid4(),
        reference=payload.reference,
        title=payload.title,
        crime_area=payload.crime_area,
        handling_code=payload.handling_code.value,
        owner=principal.subject,
        unit=principal.unit,
        status=OPEN,
        close_reason=None,
        created_at=now,
        updated_at=now,
        purged_at=None,
        search_text=case_text(payload.reference, payload.title),
    )
    session.add(case)
    try:
        await session.flush()
    except IntegrityError:
        raise _reference_taken(payload.reference) from None
    actor = Actor.of(principal)
    _event(uow, case, "created", principal, now, detail={"reference": case.reference})
    records = [_record(Action.COLLECTION, case, actor, detail={"operation": "case_created"})]
    if payload.request_id is not None:
        records += await _link(uow, case, principal, now, request_id=payload.request_id)
    if payload.inbound_id is not None:
        records += await _link(uow, case, principal, now, inbound_id=payload.inbound_id)
    await audit.append(session, records, now)
    return case


async def link(
    uow: UnitOfWork,
    case_id: UUID,
    principal: Principal,
    now: datetime,
    *,
    request_id: UUID | None,
    inbound_id: UUID | None,
    message_id: UUID | None = None,
) -> CaseFile:
    """File one request (sent or received) or one message in an open case."""
    named = [key for key in (request_id, inbound_id, message_id) if key is not None]
    if len(named) != 1:
        message = (
            "Give one of request_id (a request we sent), inbound_id (one we received) and "
            "message_id (a message of a conversation)."
        )
        raise ValidationFailed(
            "name exactly one request or message to file in the case",
            errors=[
                FieldError(name, message) for name in ("request_id", "inbound_id", "message_id")
            ],
        )
    case = visible_to(await repository.get(uow.session, case_id, lock=True), principal)
    if message_id is not None:
        records = await _file_message(uow, case, principal, now, message_id)
    else:
        records = await _link(
            uow, case, principal, now, request_id=request_id, inbound_id=inbound_id
        )
    await audit.append(uow.session, records, now)
    return case


async def unfile_message(
    uow: UnitOfWork, case_id: UUID, message_id: UUID, principal: Principal, now: datetime
) -> CaseFile:
    """Take a message out of an open case (the timeline keeps that it was in it)."""
    session = uow.session
    case = visible_to(await repository.get(session, case_id, lock=True), principal)
    _require_open(case, "take a message out of")
    found = await messages.get(session, message_id, lock=True)
    if (
        found is None
        or found.case_id != case.id
        or not await may_see_message(session, found, principal)
    ):
        raise NotFound("that message is not filed in this case")
    found.case_id = None
    if found.request_id is None and found.inbound_id is None:
        found.unit = None  # unfiled again: the desk's to triage (conversations/access.py)
    await session.flush()
    _event(uow, case, "unlinked", principal, now, detail=_message_detail(found))
    case.updated_at = now
    record = _record(
        Action.ALTERATION,
        case,
        Actor.of(principal),
        detail={"operation": "case_unlinked", "message_id": str(found.id)},
        request_id=found.request_id,
        inbound_id=found.inbound_id,
    )
    await audit.append(session, [record], now)
    return case


async def _file_message(
    uow: UnitOfWork, case: CaseFile, principal: Principal, now: datetime, message_id: UUID
) -> list[AuditRecord]:
    """A message in the case: one filed in no case yet (spontaneous information received,
    say: Directive (EU) 2023/977 Art. 7), whose thread the principal may see."""
    session = uow.session
    _require_open(case, "file a message in")
    if case.purged_at is not None:
        raise Conflict("the case was erased")
    found = await messages.get(session, message_id, lock=True)
    if (
        found is None
        or found.purged_at is not None
        or not await may_see_message(session, found, principal)
    ):
        text = "no such message"
        raise NotFound(text, errors=[FieldError("message_id", text)])
    if found.case_id is not None:
        where = "this case" if found.case_id == case.id else "another case"
        raise Conflict(
            f"the message is filed in {where} already",
            errors=[FieldError("message_id", f"already filed in {where}")],
            case_id=str(found.case_id),
        )
    found.case_id = case.id
    if found.request_id is None and found.inbound_id is None:
        # A message on no other thread is seen as its case is (conversations/access.py).
        found.unit = case.unit
    await session.flush()  # the case read that answers the call shows it
    case.updated_at = now
    _event(uow, case, "linked", principal, now, detail=_message_detail(found))
    return [
        AuditRecord(
            Action.ALTERATION,
            Actor.of(principal),
            found.request_id,
            case.reference,
            detail={
                "operation": "case_linked",
                "case_id": str(case.id),
                "message_id": str(found.id),
            },
            inbound_id=found.inbound_id,
        )
    ]


def _message_detail(message: ExchangeMessage) -> dict[str, Any]:
    return {
        "message_id": str(message.id),
        "message_type": message.type,
        "direction": message.direction,
    }


async def unlink(
    uow: UnitOfWork,
    case_id: UUID,
    principal: Principal,
    now: datetime,
    *,
    request_id: UUID | None = None,
    inbound_id: UUID | None = None,
) -> CaseFile:
    """Take a request out of an open case (the timeline keeps that it was in it)."""
    session = uow.session
    case = visible_to(await repository.get(session, case_id, lock=True), principal)
    _require_open(case, "take a request out of")
    if request_id is not None:
        found = await repository.link_of_request(session, request_id)
    else:
        assert inbound_id is not None
        found = await repository.link_of_inbound(session, inbound_id)
    if found is None or found.case_id != case.id:
        raise NotFound("that request is not filed in this case")
    await repository.delete_link(session, found)
    await repository.unfile_thread(session, case.id, request_id=request_id, inbound_id=inbound_id)
    _event(uow, case, "unlinked", principal, now, request_id=request_id, inbound_id=inbound_id)
    case.updated_at = now
    record = _record(
        Action.ALTERATION,
        case,
        Actor.of(principal),
        detail={"operation": "case_unlinked"},
        request_id=request_id,
        inbound_id=inbound_id,
    )
    await audit.append(session, [record], now)
    return case


async def close(
    uow: UnitOfWork, case_id: UUID, reason: str, principal: Principal, now: datetime
) -> CaseFile:
    case = visible_to(await repository.get(uow.session, case_id, lock=True), principal)
    _require_open(case, "close")
    case.status, case.close_reason, case.updated_at = CLOSED, reason, now
    _event(uow, case, "closed", principal, now, detail={"reason": reason})
    await _audit_alteration(uow, case, principal, now, "case_closed", reason)
    return case


async def reopen(uow: UnitOfWork, case_id: UUID, principal: Principal, now: datetime) -> CaseFile:
    case = visible_to(await repository.get(uow.session, case_id, lock=True), principal)
    if case.status != CLOSED:
        raise Conflict("the case is open already")
    case.status, case.close_reason, case.updated_at = OPEN, None, now
    _event(uow, case, "reopened", principal, now)
    await _audit_alteration(uow, case, principal, now, "case_reopened", None)
    return case


async def _link(
    uow: UnitOfWork,
    case: CaseFile,
    principal: Principal,
    now: datetime,
    *,
    request_id: UUID | None = None,
    inbound_id: UUID | None = None,
) -> list[AuditRecord]:
    session = uow.session
    _require_open(case, "file a request in")
    if case.purged_at is not None:
        raise Conflict("the case was erased")
    if request_id is not None:
        request = await repository.outgoing_one(session, request_id)
        if request is None or not may_see_request(request, principal):
            raise NotFound("no such request", errors=[FieldError("request_id", "no such request")])
        existing = await repository.link_of_request(session, request_id)
        justification = request.purpose
    else:
        assert inbound_id is not None
        inbound = await repository.incoming_one(session, inbound_id)
        if inbound is None or not inbound_access.may_see(inbound, principal):
            message = "no such received request"
            raise NotFound(message, errors=[FieldError("inbound_id", message)])
        existing = await repository.link_of_inbound(session, inbound_id)
        justification = inbound.purpose
    field = "request_id" if request_id is not None else "inbound_id"
    if existing is not None:
        where = "this case" if existing.case_id == case.id else "another case"
        raise Conflict(
            f"the request is filed in {where} already",
            errors=[FieldError(field, f"already filed in {where}")],
            case_id=str(existing.case_id),
        )
    if await repository.link_count(session, case.id) >= MAX_LINKS:
        raise Conflict(f"a case holds at most {MAX_LINKS} requests")
    session.add(
        CaseLink(
            case_id=case.id,
            request_id=request_id,
            inbound_id=inbound_id,
            linked_at=now,
            linked_by=principal.actor,
        )
    )
    try:
        await session.flush()
    except IntegrityError:  # filed at the same moment by someone else
        raise Conflict(
            "the request is filed in a case already",
            errors=[FieldError(field, "already filed in a case")],
        ) from None
    # The messages of its thread are in the case with it.
    await repository.file_thread(session, case.id, request_id=request_id, inbound_id=inbound_id)
    case.updated_at = now
    _event(uow, case, "linked", principal, now, request_id=request_id, inbound_id=inbound_id)
    return [
        AuditRecord(
            Action.ALTERATION,
            Actor.of(principal),
            request_id,
            justification,
            detail={"operation": "case_linked", "case_id": str(case.id)},
            inbound_id=inbound_id,
        )
    ]


def _require_open(case: CaseFile, doing: str) -> None:
    if case.status != OPEN:
        raise Conflict(f"the case is closed: reopen it to {doing} it")


def _reference_taken(reference: str) -> Conflict:
    return Conflict(
        "a case with this reference exists already",
        errors=[FieldError("reference", f"{reference!r} is the reference of another case")],
    )


def _event(
    uow: UnitOfWork,
    case: CaseFile,
    type: str,
    principal: Principal,
    now: datetime,
    *,
    request_id: UUID | None = None,
    inbound_id: UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the case's timeline (never updated nor deleted), and tell the live screens
    (a ``changed`` case notice, once committed)."""
    uow.stage_case_notice(case.id, now, "changed")
    uow.session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            type=type,
            actor=principal.actor,
            request_id=request_id,
            inbound_id=inbound_id,
            detail=detail or {},
        )
    )


def _record(
    action: Action,
    case: CaseFile,
    actor: Actor,
    *,
    detail: dict[str, Any],
    request_id: UUID | None = None,
    inbound_id: UUID | None = None,
    justification: str | None = None,
) -> AuditRecord:
    return AuditRecord(
        action,
        actor,
        request_id,
        justification or case.reference,
        detail={**detail, "case_id": str(case.id), "reference": case.reference},
        inbound_id=inbound_id,
    )


async def _audit_alteration(
    uow: UnitOfWork,
    case: CaseFile,
    principal: Principal,
    now: datetime,
    operation: str,
    reason: str | None,
) -> None:
    record = _record(
        Action.ALTERATION,
        case,
        Actor.of(principal),
        detail={"operation": operation},
        justification=reason,
    )
    await audit.append(uow.session, [record], now)

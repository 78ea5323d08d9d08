"""Registering what a partner sends in a conversation: a ``PartnerMessage`` of type
``message`` (a follow-up of theirs, their answer to our question, additional information,
an acknowledgement, spontaneous information), applied by the registrar. Never commits.

Directive (EU) 2023/977 Art. 16(1)(a): the case management system records the requests "and
any other communications relating to such requests"; this is where the incoming ones are
recorded (decision 0030).

- **Once.** The message's id is its row's id (``partner_message_id``: derived from the channel
  and the partner's references) and is claimed in the inbox of processed messages in the same
  transaction: a redelivered message registers nothing, not even while another registrar is
  applying it; a copy that comes back after the inbox forgot its id finds its row.
- **Its thread.** ``our_reference`` is the id of a dispatch of ours (the partner writes about
  our request: the message goes on that dispatch and its request, and in the case the request
  is filed in); ``in_reply_to`` is the partner's reference of a request they sent us (the
  message goes on that received request, and its case); neither is spontaneous information
  (Directive Art. 7), unfiled until an officer files it in a case. A reference that names
  nothing we hold (or a dispatch of another channel or state) is registered all the same,
  on no thread, saying so in ``error`` and in the log: the bureau never drops what a partner
  sent.
- **Answers.** ``answers_id`` naming a question of ours (follow-up, clarification) on that
  thread marks the question answered (``answered_at``: the first answer counts).
- **Attachments** go through ``attachments.service.store_received`` (checksum, size, type
  found in the bytes). A file refused there is not stored; the message is, saying which
  file was refused and why.
- **Traces.** A ``message_received`` event on the thread's timeline (the request's or the
  received request's), a live notice (event ``message``), and a collection entry in the audit
  log (LED 2016/680 Art. 25: what was received, from whom, with which attachments).
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from oss_router import inbox
from oss_router.attachments import repository as attachment_repository
from oss_router.attachments.service import store_received
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import system_actor
from oss_router.cases import repository as case_repository
from oss_router.errors import FieldError, ValidationFailed
from oss_router.inbound import reply_repository as inbound_repository
from oss_router.inbound.replies import stage_inbound_notice
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import (
    QUESTION_MESSAGE_TYPES,
    MessageDirection,
    MessageStatus,
    MessageType,
    RequestStatus,
)
from oss_router.messages.inbound import PartnerMessage
from oss_router.messages.status import StatusNotice
from oss_router.models import Dispatch, ExchangeMessage, ExchangeRequest, InboundRequest
from oss_router.request import repository as request_repository
from oss_router.search.text import search_text
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

REGISTRAR = system_actor("registrar")
RECEIVED_EVENT = "message_received"
NOTICE_EVENT: Literal["message"] = "message"

REFERENCE_MAX = 100  # exchange_messages.partner_reference, partner_message_reference
_COUNTRY = re.compile("[A-Z]{2}")

ThreadKind = Literal["dispatch", "inbound", "spontaneous", "unknown"]


@dataclass
class _Thread:
    kind: ThreadKind
    dispatch: Dispatch | None = None
    request: ExchangeRequest | None = None
    inbound: InboundRequest | None = None
    case_id: UUID | None = None
    problem: str | None = None  # why a named thread was not found

    @property
    def unit(self) -> str | None:
        if self.request is not None:
            return self.request.unit
        if self.inbound is not None:
            return self.inbound.unit
        return None

    @property
    def justification(self) -> str | None:
        """The purpose of the exchange, for the audit entry (None once erased)."""
        if self.request is not None and self.request.purged_at is None:
            return self.request.purpose
        if self.inbound is not None and self.inbound.purged_at is None:
            return self.inbound.purpose
        return None


@dataclass(frozen=True)
class Registered:
    """A message registered now: its row, its thread, and the files refused (sentences)."""

    message: ExchangeMessage
    thread: ThreadKind
    refused_attachments: list[str] = field(default_factory=list)
    answered: ExchangeMessage | None = None  # the question of ours it answered


async def register_message(
    work: UnitOfWork, message: PartnerMessage, now: datetime
) -> Registered | None:
    """Register one partner message of type ``message``; None when it was registered before
    (or is being registered by another process right now)."""
    if message.type != "message":
        raise ValueError(f"not a conversation message: {message.type}")
    _check(message)
    session = work.session
    if not await inbox.claim(session, [message.message_id], now):
        return None
    if await session.get(ExchangeMessage, message.message_id) is not None:
        return None  # back after the inbox forgot its id: the row is there
    thread = await _thread_of(work, message)
    replied_to, answers_problem = await _question(work, message, thread)
    problems = [p for p in (thread.problem, answers_problem) if p]
    row = _row(message, thread, replied_to, now)
    session.add(row)
    metrics.count_message(work, row.channel, row.type, row.direction, row.status)
    refused = await store_received(work, row, message.attachments, now)
    problems += refused
    row.error = " ".join(problems) or None
    question = None
    if replied_to is not None and replied_to.type in QUESTION_MESSAGE_TYPES:
        question = replied_to
        if question.answered_at is None:  # the first answer counts
            question.answered_at = min(message.received_at, now)
            question.updated_at = now
    await session.flush()  # the files stored just now, for their ids
    attachment_ids = await attachment_repository.ids_of_message(session, row.id)
    _record_received(work, message, row, thread, attachment_ids, refused, now)
    await audit.append(session, [_collection(message, row, thread, attachment_ids)], now)
    if problems:
        log.warning(
            "message %s from %s registered with a problem: %s",
            message.message_id,
            message.channel.value,
            row.error,
        )
    return Registered(row, thread.kind, refused, question)


def _check(message: PartnerMessage) -> None:
    """What the row cannot hold is refused, naming the fields (the registrar dead-letters it
    with that reason): a message we could only store cut short is not registered silently."""
    errors = []
    if not _COUNTRY.fullmatch(message.requesting_country):
        errors.append(FieldError("requesting_country", "An ISO 3166 alpha-2 code, such as DE."))
    if not 1 <= len(message.partner_reference) <= REFERENCE_MAX:
        errors.append(
            FieldError("partner_reference", f"1 to {REFERENCE_MAX} characters: its reference.")
        )
    if errors:
        raise ValidationFailed("the partner's message cannot be registered", errors=errors)


async def _thread_of(work: UnitOfWork, message: PartnerMessage) -> _Thread:
    if message.our_reference is not None:
        return await _dispatch_thread(work, message, message.our_reference)
    if message.in_reply_to is not None:
        return await _inbound_thread(work, message, message.in_reply_to)
    return _Thread("spontaneous")


async def _dispatch_thread(work: UnitOfWork, message: PartnerMessage, reference: str) -> _Thread:
    unknown = _Thread(
        "unknown",
        problem=f"It names {reference!r} as our reference: no dispatch of ours to "
        f"{message.requesting_country} through {message.channel.value} has it; it is on no "
        "thread until an officer files it.",
    )
    try:
        dispatch_id = UUID(reference)
    except ValueError:
        return unknown
    dispatch = await request_repository.dispatch(work.session, dispatch_id)
    # A dispatch is only ever known to the state and channel it went to: a message about it
    # from anyone else is not put on its thread.
    if (
        dispatch is None
        or dispatch.channel != message.channel.value
        or dispatch.country != message.requesting_country
    ):
        return unknown
    request = await request_repository.get(work.session, dispatch.request_id)
    if request is None or request.purged_at is not None:
        return unknown
    link = await case_repository.link_of_request(work.session, request.id)
    return _Thread(
        "dispatch",
        dispatch=dispatch,
        request=request,
        case_id=link.case_id if link is not None else None,
    )


async def _inbound_thread(work: UnitOfWork, message: PartnerMessage, reference: str) -> _Thread:
    inbound = await inbound_repository.by_partner_reference(
        work.session, message.channel.value, reference
    )
    if inbound is None or inbound.purged_at is not None:
        return _Thread(
            "unknown",
            problem=f"It replies to {reference!r}: no request received through "
            f"{message.channel.value} has that reference; it is on no thread until an "
            "officer files it.",
        )
    link = await case_repository.link_of_inbound(work.session, inbound.id)
    return _Thread("inbound", inbound=inbound, case_id=link.case_id if link else None)


async def _question(
    work: UnitOfWork, message: PartnerMessage, thread: _Thread
) -> tuple[ExchangeMessage | None, str | None]:
    """The message of ours on that thread it replies to (a question, or a reminder it
    acknowledges), or why the one it names is not."""
    if message.answers_id is None:
        return None, None
    mine = await work.session.get(ExchangeMessage, message.answers_id)
    if (
        mine is not None
        and mine.direction == MessageDirection.OUTGOING.value
        and _same_thread(mine, thread)
    ):
        return mine, None
    return None, (
        f"It says it answers {message.answers_id}: no message of ours on its thread has that id."
    )


def _same_thread(question: ExchangeMessage, thread: _Thread) -> bool:
    if thread.dispatch is not None:
        return question.dispatch_id == thread.dispatch.id
    if thread.inbound is not None:
        return question.inbound_id == thread.inbound.id
    return False


def _row(
    message: PartnerMessage,
    thread: _Thread,
    replied_to: ExchangeMessage | None,
    now: datetime,
) -> ExchangeMessage:
    text = message.text or ""
    return ExchangeMessage(
        id=message.message_id,
        direction=MessageDirection.INCOMING.value,
        type=(message.message_type or MessageType.ADDITIONAL_INFORMATION).value,
        dispatch_id=thread.dispatch.id if thread.dispatch is not None else None,
        request_id=thread.request.id if thread.request is not None else None,
        inbound_id=thread.inbound.id if thread.inbound is not None else None,
        case_id=thread.case_id,
        channel=message.channel.value,
        country=message.requesting_country,
        partner_reference=_thread_reference(message, thread),
        partner_message_reference=message.partner_reference,
        answers_id=replied_to.id if replied_to is not None else None,
        answered_at=None,
        legal_basis=message.legal_basis,
        handling_code=message.handling_code.value,
        # Spontaneous information addressed to a PCCC unit is that unit's.
        unit=thread.unit if thread.kind in ("dispatch", "inbound") else message.unit,
        body={"text": text},
        status=MessageStatus.RECEIVED.value,
        attempts=0,
        error=None,
        correlation_id=message.correlation_id,
        created_by=f"partner:{message.channel.value}",
        created_at=now,
        updated_at=now,
        delivered_at=None,
        received_at=message.received_at,
        purged_at=None,
        search_text=search_text([message.partner_reference, message.requesting_authority, text]),
    )


def _thread_reference(message: PartnerMessage, thread: _Thread) -> str | None:
    """The partner's reference of the exchange: the request they sent us, or as they named
    ours (the dispatch id)."""
    if thread.inbound is not None:
        return thread.inbound.partner_reference
    named = message.in_reply_to or message.our_reference
    return named[:REFERENCE_MAX] if named is not None else None  # in full in ``error``


def _record_received(
    work: UnitOfWork,
    message: PartnerMessage,
    row: ExchangeMessage,
    thread: _Thread,
    attachment_ids: list[UUID],
    refused: list[str],
    now: datetime,
) -> None:
    detail: dict[str, Any] = {
        "message_id": str(row.id),
        "message_type": row.type,
        "partner_message_reference": row.partner_message_reference,
        "attachments": [str(key) for key in attachment_ids],
    }
    if row.answers_id is not None:
        detail["answers_id"] = str(row.answers_id)
    if refused:
        detail["attachments_refused"] = refused
    actor = f"partner:{message.channel.value}:{message.requesting_country}"
    if thread.request is not None and thread.dispatch is not None:
        work.record_event(
            request_id=thread.request.id,
            dispatch_id=thread.dispatch.id,
            type=RECEIVED_EVENT,
            actor=actor,
            at=now,
            detail=detail,
        )
        work.notices.append(
            StatusNotice(
                request_id=thread.request.id,
                request_status=RequestStatus(thread.request.status),
                dispatch_id=thread.dispatch.id,
                at=now,
                event=NOTICE_EVENT,
            )
        )
    elif thread.inbound is not None:
        record_inbound_event(
            work,
            inbound_id=thread.inbound.id,
            type=RECEIVED_EVENT,
            actor=actor,
            at=now,
            detail=detail,
        )
        stage_inbound_notice(work, thread.inbound, now, event=NOTICE_EVENT)
    else:
        log.info(
            "message %s (%s) from %s %s registered on no thread (%s)",
            row.id,
            row.type,
            message.channel.value,
            message.requesting_country,
            thread.kind,
        )


def _collection(
    message: PartnerMessage, row: ExchangeMessage, thread: _Thread, attachment_ids: list[UUID]
) -> AuditRecord:
    detail: dict[str, Any] = {
        "operation": "message_received",
        "from": {
            "channel": message.channel.value,
            "country": message.requesting_country,
            "authority": message.requesting_authority,
        },
        "message_id": str(row.id),
        "message_type": row.type,
        "thread": thread.kind,
        "attachment_ids": [str(key) for key in attachment_ids],
    }
    if row.dispatch_id is not None:
        detail["dispatch_id"] = str(row.dispatch_id)
    if row.case_id is not None:
        detail["case_id"] = str(row.case_id)
    justification = thread.justification
    if justification is None and row.legal_basis:
        justification = row.legal_basis  # spontaneous information: its legal basis (Art. 7)
    return AuditRecord(
        Action.COLLECTION,
        Actor.system(REGISTRAR, row.unit),
        row.request_id,
        justification,
        recipients=[],
        detail=detail,
        inbound_id=row.inbound_id,
    )

"""An outgoing message: its row (``queued``), its place on the thread's timeline, the
disclosure it is (LED 2016/680 Art. 25), and the outbox row that takes it to the channel.
Never commits.

A message travels like a reply (inbound/replies.py): on the channel's own dispatch queue with
header ``x-oss-type: message``; the channel's worker hands it to the adapter's
``send_message`` with the same retries, dead letters and idempotency, and reports a
``MessageResult`` (header ``x-oss-type: message-result``) to the tracker
(conversations/delivery.py).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from oss_router.attachments import service as attachments
from oss_router.attachments.limits import AttachmentLimits
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal
from oss_router.messages.codes import (
    Channel,
    DispatchStatus,
    HandlingCode,
    InboundStatus,
    MessageDirection,
    MessageStatus,
    MessageType,
    RequestStatus,
)
from oss_router.messages.conversation import MESSAGE_TYPE, MessageEnvelope, WireAttachment
from oss_router.messages.status import InboundNotice, StatusNotice
from oss_router.models import (
    CaseEvent,
    CaseFile,
    Dispatch,
    ExchangeMessage,
    ExchangeRequest,
    InboundRequest,
)
from oss_router.search.text import search_text
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Thread:
    """Where an outgoing message goes: one dispatch of ours, a request received, or a case
    (spontaneous information)."""

    channel: str
    country: str
    correlation_id: str
    handling_code: str
    unit: str | None
    justification: str | None  # why the exchange exists (the audit entry's "why")
    dispatch: Dispatch | None = None
    request: ExchangeRequest | None = None
    inbound: InboundRequest | None = None
    case: CaseFile | None = None
    our_reference: str | None = None
    partner_reference: str | None = None
    case_id: UUID | None = None  # the case the thread is filed in (or the case itself)


def on_dispatch(
    request: ExchangeRequest, dispatch: Dispatch, case_id: UUID | None = None
) -> Thread:
    return Thread(
        channel=dispatch.channel,
        country=dispatch.country,
        correlation_id=str(request.id),  # as its dispatches' envelopes
        handling_code=request.handling_code,
        unit=request.unit,
        justification=request.purpose,
        dispatch=dispatch,
        request=request,
        # The partner knows our request by the dispatch's id (DispatchEnvelope.dispatch_id).
        our_reference=str(dispatch.id),
        partner_reference=_partner_reference(dispatch),
        case_id=case_id,
    )


def on_inbound(inbound: InboundRequest, case_id: UUID | None = None) -> Thread:
    return Thread(
        channel=inbound.channel,
        country=inbound.requesting_country,
        correlation_id=inbound.correlation_id,
        handling_code=inbound.handling_code,
        unit=inbound.unit,
        justification=inbound.purpose,
        inbound=inbound,
        partner_reference=inbound.partner_reference,
        case_id=case_id,
    )


def in_case(case: CaseFile, channel: Channel, country: str, handling_code: HandlingCode) -> Thread:
    return Thread(
        channel=channel.value,
        country=country,
        correlation_id=f"case-{case.id}",
        handling_code=handling_code.value,
        unit=case.unit,
        justification=case.reference,
        case=case,
        case_id=case.id,
    )


# Where each channel's answer gives the partner's own reference of the exchange.
_REFERENCE_KEYS = ("partner_reference", "siena_reference", "message_reference", "reference")


def _partner_reference(dispatch: Dispatch) -> str | None:
    """The partner's reference of our request, as its answer gave it (None before one)."""
    answer = dispatch.answer or {}
    reference = next((answer[key] for key in _REFERENCE_KEYS if answer.get(key)), None)
    return str(reference)[:100] if reference else None


@dataclass(frozen=True)
class Outgoing:
    """What an officer (or the deadline watch) sends."""

    type: MessageType
    text: str
    actor: Actor  # who sends it: an officer, or the deadline watch
    attachment_ids: tuple[uuid.UUID, ...] = ()
    answers_id: uuid.UUID | None = None
    legal_basis: str | None = None
    route: dict[str, str] | None = None  # spontaneous information: the channel it took, why


async def stage_message(
    work: UnitOfWork,
    thread: Thread,
    outgoing: Outgoing,
    principal: Principal | None,
    now: datetime,
    limits: AttachmentLimits | None = None,
) -> ExchangeMessage:
    """A new outgoing message (``queued``) with its files, timeline event, audit entry and
    outbox row. ``principal`` None: the system sends it (the deadline watch's reminder)."""
    message = _row(thread, outgoing, now)
    work.session.add(message)
    files: list[WireAttachment] = []
    if outgoing.attachment_ids:
        if principal is None:
            raise ValueError("only a person sends files")
        files = await attachments.claim_for_message(
            work, list(outgoing.attachment_ids), message, principal, limits
        )
    _timeline(work, thread, message, outgoing.actor.name, now)
    metrics.count_message(
        work, message.channel, message.type, message.direction, MessageStatus.QUEUED.value
    )
    enqueue_message(work, envelope_of(message, thread, files), now)
    await audit.append(work.session, [_disclosure(message, thread, outgoing, files)], now)
    await work.session.flush()  # sessions do not autoflush (db.py): the read that follows sees it
    return message


def _row(thread: Thread, outgoing: Outgoing, now: datetime) -> ExchangeMessage:
    body: dict[str, Any] = {"text": outgoing.text}
    if outgoing.route is not None:
        body["route"] = outgoing.route
    return ExchangeMessage(
        id=uuid.uuid4(),
        direction=MessageDirection.OUTGOING.value,
        type=outgoing.type.value,
        dispatch_id=thread.dispatch.id if thread.dispatch else None,
        request_id=thread.request.id if thread.request else None,
        inbound_id=thread.inbound.id if thread.inbound else None,
        case_id=thread.case_id,
        channel=thread.channel,
        country=thread.country,
        partner_reference=thread.partner_reference,
        answers_id=outgoing.answers_id,
        legal_basis=outgoing.legal_basis,
        handling_code=thread.handling_code,
        unit=thread.unit,
        body=body,
        status=MessageStatus.QUEUED.value,
        attempts=0,
        correlation_id=thread.correlation_id,
        created_by=outgoing.actor.name,
        created_at=now,
        updated_at=now,
        search_text=search_text([outgoing.text, thread.partner_reference]),
    )


def envelope_of(
    message: ExchangeMessage, thread: Thread, files: list[WireAttachment]
) -> MessageEnvelope:
    """The message that takes it to the partner (a new message id each time)."""
    return MessageEnvelope(
        message_id=uuid.uuid4(),
        exchange_message_id=message.id,
        correlation_id=message.correlation_id,
        channel=Channel(message.channel),
        country=message.country,
        type=MessageType(message.type),
        dispatch_id=message.dispatch_id,
        inbound_id=message.inbound_id,
        our_reference=thread.our_reference,
        partner_reference=message.partner_reference,
        answers_id=message.answers_id,
        legal_basis=message.legal_basis,
        handling_code=HandlingCode(message.handling_code),
        text=str((message.body or {}).get("text", "")),
        attachments=files,
        created_at=message.created_at,
    )


def enqueue_message(
    work: UnitOfWork, envelope: MessageEnvelope, now: datetime, *, replay: int = 0
) -> None:
    """The envelope's outbox row, on the channel's dispatch exchange like a reply's."""
    work.enqueue_on_channel(
        message_id=envelope.message_id,
        channel=str(envelope.channel),
        body=envelope.model_dump_json().encode(),
        correlation_id=envelope.correlation_id,
        now=now,
        kind=MESSAGE_TYPE,
        replay=replay,
        exchange_message_id=envelope.exchange_message_id,
    )


def record_message_event(
    work: UnitOfWork,
    message: ExchangeMessage,
    type: str,
    actor: str,
    now: datetime,
    *,
    from_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Put a step of the message on its thread's timeline (the request's, the received
    request's or the case's) and stage the thread's live notice (event ``message``)."""
    values = {"message_id": str(message.id), "message_type": message.type, **(detail or {})}
    if message.request_id is not None:
        work.record_event(
            request_id=message.request_id,
            dispatch_id=message.dispatch_id,
            type=type,
            actor=actor,
            at=now,
            from_status=from_status,
            to_status=message.status,
            detail=values,
        )
    elif message.inbound_id is not None:
        work.record_inbound_event(
            inbound_id=message.inbound_id,
            type=type,
            actor=actor,
            at=now,
            from_status=from_status,
            to_status=message.status,
            detail=values,
        )
    elif message.case_id is not None:
        work.session.add(
            CaseEvent(
                case_id=message.case_id,
                at=now,
                type=type,
                actor=actor,
                detail={**values, "to_status": message.status},
            )
        )


def _timeline(
    work: UnitOfWork, thread: Thread, message: ExchangeMessage, actor: str, now: datetime
) -> None:
    detail = {"channel": message.channel, "country": message.country}
    record_message_event(work, message, "message_queued", actor, now, detail=detail)
    stage_thread_notice(work, thread, now)


def stage_thread_notice(work: UnitOfWork, thread: Thread, now: datetime) -> None:
    """The live notice (event ``message``) of the thread's request, received request, or
    case (spontaneous information)."""
    if thread.request is not None:
        work.notices.append(_request_notice(thread.request, thread.dispatch, now))
    elif thread.inbound is not None:
        work.stage_inbound_notice(
            InboundNotice(
                inbound_id=thread.inbound.id,
                status=InboundStatus(thread.inbound.status),
                at=now,
                event="message",
            )
        )
    elif thread.case is not None:
        work.stage_case_notice(thread.case.id, now)


def _request_notice(
    request: ExchangeRequest, dispatch: Dispatch | None, now: datetime
) -> StatusNotice:
    return StatusNotice(
        request_id=request.id,
        request_status=RequestStatus(request.status),
        dispatch_id=dispatch.id if dispatch else None,
        dispatch_status=DispatchStatus(dispatch.status) if dispatch else None,
        at=now,
        event="message",
    )


def _disclosure(
    message: ExchangeMessage, thread: Thread, outgoing: Outgoing, files: list[WireAttachment]
) -> AuditRecord:
    """Sending is a disclosure (LED 2016/680 Art. 25(1)): who, when, why, to whom."""
    detail: dict[str, Any] = {
        "operation": "message",
        "message_id": str(message.id),
        "message_type": message.type,
        "channel": message.channel,
    }
    if files:
        detail["attachment_ids"] = [str(file.attachment_id) for file in files]
    if message.case_id is not None:
        detail["case_id"] = str(message.case_id)
    if outgoing.legal_basis:
        detail["legal_basis"] = outgoing.legal_basis
    return AuditRecord(
        Action.DISCLOSURE,
        outgoing.actor,
        message.request_id,
        thread.justification,
        recipients=[{"country": message.country, "channel": message.channel}],
        detail=detail,
        inbound_id=message.inbound_id,
    )

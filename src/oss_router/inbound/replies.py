"""Replies to partners: staged with their outbox row, moved through their delivery like a
dispatch (queued → sent → delivered | failed), and the request's clock moved with them.
Never commits.

A reply travels on the channel's own dispatch queue (``oss_router.dispatch``, routing key =
channel) with header ``x-oss-type: reply``: the channel's worker hands it to the adapter's
``reply`` method with the same retries, dead letters and idempotency as a dispatch, and
reports a ``ReplyResult`` (header ``x-oss-type: reply-result``) to the tracker.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import InboundStatus, ReplyStatus, ReplyType
from oss_router.messages.inbound import REPLY_TYPE, ReplyEnvelope
from oss_router.messages.status import InboundNotice, InboundNoticeEvent
from oss_router.models import InboundReply, InboundRequest
from oss_router.telemetry import metrics
from oss_router.unit_of_work import UnitOfWork


def stage_reply(
    work: UnitOfWork,
    inbound: InboundRequest,
    reply_type: ReplyType,
    body: dict[str, Any],
    actor: str,
    now: datetime,
) -> InboundReply:
    """A new reply (``queued``) with its ``reply_queued`` event and its outbox row."""
    reply = InboundReply(
        id=uuid.uuid4(),
        inbound_id=inbound.id,
        channel=inbound.channel,
        type=reply_type.value,
        body=body,
        status=ReplyStatus.QUEUED.value,
        attempts=0,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    inbound.replies.append(reply)
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        reply_id=reply.id,
        type="reply_queued",
        actor=actor,
        at=now,
        to_status=ReplyStatus.QUEUED.value,
        detail={"reply_type": reply.type, "channel": reply.channel},
    )
    metrics.count_reply(work, reply.channel, reply.type, ReplyStatus.QUEUED.value)
    enqueue_reply(work, reply_envelope(inbound, reply), now)
    return reply


def reply_envelope(inbound: InboundRequest, reply: InboundReply) -> ReplyEnvelope:
    """The message that takes this reply to the partner (a new message id each time)."""
    return ReplyEnvelope(
        message_id=uuid.uuid4(),
        reply_id=reply.id,
        inbound_id=inbound.id,
        correlation_id=inbound.correlation_id,
        channel=inbound.channel,
        country=inbound.requesting_country,
        partner_reference=inbound.partner_reference,
        reply_type=ReplyType(reply.type),
        body=reply.body or {},
        handling_code=inbound.handling_code,
        created_at=reply.created_at,
    )


def enqueue_reply(
    work: UnitOfWork, envelope: ReplyEnvelope, now: datetime, *, replay: int = 0
) -> None:
    """The envelope's outbox row, on the channel's dispatch exchange like a dispatch's."""
    work.enqueue_on_channel(
        message_id=envelope.message_id,
        channel=str(envelope.channel),
        body=envelope.model_dump_json().encode(),
        correlation_id=envelope.correlation_id,
        now=now,
        kind=REPLY_TYPE,
        replay=replay,
        reply_id=envelope.reply_id,
    )


def move_reply(
    work: UnitOfWork,
    inbound: InboundRequest,
    reply: InboundReply,
    target: ReplyStatus,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Apply a reply transition already checked with ``lifecycle.reply_advances`` (or an
    operator's replay), put it on the timeline, count it and stage its notice."""
    previous = reply.status
    reply.status = target.value
    reply.updated_at = now
    metrics.count_reply(work, reply.channel, reply.type, target.value)
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        reply_id=reply.id,
        type="reply_status",
        actor=actor,
        at=now,
        from_status=previous,
        to_status=target.value,
        detail={"reply_type": reply.type, **(detail or {})},
    )
    stage_inbound_notice(work, inbound, now, "reply_status", reply)


def stage_inbound_notice(
    work: UnitOfWork,
    inbound: InboundRequest,
    now: datetime,
    event: InboundNoticeEvent = "status_changed",
    reply: InboundReply | None = None,
) -> None:
    work.stage_inbound_notice(
        InboundNotice(
            inbound_id=inbound.id,
            status=InboundStatus(inbound.status),
            reply_id=reply.id if reply is not None else None,
            reply_status=ReplyStatus(reply.status) if reply is not None else None,
            at=now,
            event=event,
        )
    )


def suspend_clock(
    work: UnitOfWork, inbound: InboundRequest, received_by_partner: datetime, actor: str
) -> None:
    """Directive (EU) 2023/977 Art. 6(3): the time limits are suspended from the moment the
    requesting side receives our request for clarification — the delivery of that reply."""
    if inbound.status != InboundStatus.AWAITING_CLARIFICATION.value:
        return
    if inbound.suspended_at is not None:
        return
    inbound.suspended_at = received_by_partner
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        type="clock_suspended",
        actor=actor,
        at=received_by_partner,
        detail={"due_at": inbound.due_at.isoformat(), "basis": "Directive (EU) 2023/977 Art. 6(3)"},
    )


def resume_clock(inbound: InboundRequest, clarified_at: datetime) -> timedelta:
    """Directive (EU) 2023/977 Art. 6(3): ... until the clarification is provided. The due
    time moves by the pause, and its basis says so; returns the pause (zero if the clock
    never stopped: the partner answered before our request reached it)."""
    if inbound.suspended_at is None:
        return timedelta(0)
    pause = max(timedelta(0), clarified_at - inbound.suspended_at)
    inbound.suspended_at = None
    inbound.due_at = inbound.due_at + pause
    inbound.deadline_basis = (
        f"{inbound.deadline_basis}; + {_duration(pause)} suspended awaiting clarification "
        "(Directive (EU) 2023/977 Art. 6(3))"
    )
    return pause


def _duration(pause: timedelta) -> str:
    minutes = int(pause.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def renew_deadline_markers(inbound: InboundRequest, now: datetime) -> None:
    """A due time moved into the future is a new deadline: the watch may warn about it and
    flag it again, once each (``sla/inbound.py``)."""
    if inbound.due_at > now:
        inbound.warned_at = None
        inbound.overdue_at = None

"""What comes back about a received request: our replies' delivery (``ReplyResult``, applied
by the tracker) and the partner's answer to our clarification request (``PartnerMessage`` of
type ``clarification``, applied by the registrar). Never commits.

Both are applied at most once: their message ids go to the tracker's inbox of processed
messages (``oss_router/inbox.py``) in the same transaction, so a redelivered message changes
nothing, even one another process is applying at this very moment.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from oss_router import inbox
from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import system_actor
from oss_router.inbound import reply_repository as repository
from oss_router.inbound.lifecycle import InboundAction, allows, reply_advances, transition
from oss_router.inbound.replies import (
    move_reply,
    renew_deadline_markers,
    resume_clock,
    stage_inbound_notice,
    suspend_clock,
)
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import ReplyStatus, ReplyType
from oss_router.messages.inbound import PartnerMessage, ReplyResult
from oss_router.models import InboundReply, InboundRequest
from oss_router.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

RELAY = system_actor("relay")  # a "sent" the tracker records for a reply is the relay's step
REGISTRAR = system_actor("registrar")


@dataclass(frozen=True)
class ReplyApplied:
    """A transition a result made: the reply's status right after it."""

    inbound: InboundRequest
    reply: InboundReply
    result: ReplyResult
    reply_status: str


async def apply_reply_results(
    work: UnitOfWork, results: Sequence[ReplyResult], now: datetime
) -> list[ReplyApplied]:
    """Apply each result at most once, in the given order; returns those that changed
    something. The requests are locked in id order, as every writer of replies locks them."""
    fresh = await inbox.claim(work.session, [result.message_id for result in results], now)
    todo, seen = [], set()
    for result in results:
        if result.message_id in fresh and result.message_id not in seen:
            seen.add(result.message_id)
            todo.append(result)
    requests = await repository.locked_by_ids(work.session, [r.inbound_id for r in todo])
    applied: list[ReplyApplied] = []
    for result in todo:
        inbound = requests.get(result.inbound_id)
        if inbound is not None:
            applied += _apply(work, inbound, result, now)
    return applied


async def apply_reply_result(
    work: UnitOfWork, result: ReplyResult, now: datetime
) -> list[ReplyApplied]:
    """``apply_reply_results`` for one result."""
    return await apply_reply_results(work, [result], now)


def _apply(
    work: UnitOfWork, inbound: InboundRequest, result: ReplyResult, now: datetime
) -> list[ReplyApplied]:
    reply = next((r for r in inbound.replies if r.id == result.reply_id), None)
    if reply is None:
        log.warning("reply result %s names an unknown reply; ignored", result.message_id)
        return []
    steps = []
    if reply.status == ReplyStatus.QUEUED.value:
        # The relay published it and its own "sent" has not committed yet: record it now,
        # so that every timeline reads queued → sent → ... (the relay's then changes nothing).
        detail = {"recorded_on": f"{result.status} from channel:{result.channel}"}
        move_reply(work, inbound, reply, ReplyStatus.SENT, RELAY, now, detail)
        steps.append(ReplyApplied(inbound, reply, result, ReplyStatus.SENT.value))
    target = ReplyStatus(result.status)
    if not reply_advances(reply.status, target):
        return steps
    _copy_result(reply, result)
    move_reply(work, inbound, reply, target, f"channel:{result.channel}", now, _detail(result))
    if target is ReplyStatus.DELIVERED and reply.type == ReplyType.CLARIFICATION_REQUEST.value:
        suspend_clock(work, inbound, _received_at(reply, result, now), f"channel:{result.channel}")
    return [*steps, ReplyApplied(inbound, reply, result, target.value)]


def _received_at(reply: InboundReply, result: ReplyResult, now: datetime) -> datetime:
    """When the partner received the reply, as its channel reports it, kept within what we
    know (not before we wrote it, not in the future)."""
    return min(max(result.occurred_at, reply.created_at), now)


def _copy_result(reply: InboundReply, result: ReplyResult) -> None:
    reply.attempts = max(reply.attempts, result.attempts)
    if result.status == "delivered":
        reply.delivered_at = result.occurred_at
        reply.partner_message_reference = result.partner_message_reference
    else:
        reply.error = result.error


def _detail(result: ReplyResult) -> dict[str, object]:
    detail: dict[str, object] = {"attempts": result.attempts}
    if result.partner_message_reference is not None:
        detail["partner_message_reference"] = result.partner_message_reference
    if result.error is not None:
        detail["error"] = result.error
    return detail


async def apply_partner_clarification(
    work: UnitOfWork, message: PartnerMessage, now: datetime
) -> InboundRequest | None:
    """The partner's clarification of a request it sent (``message.in_reply_to`` is that
    request's partner reference): on the timeline, audited as a collection (LED 2016/680
    Art. 25, from whom), and — if we were waiting for it — the request goes back to
    ``assigned`` and its clock resumes, the due time moved by the suspension (Directive (EU)
    2023/977 Art. 6(3)). A clarification nobody asked for is recorded and moves nothing.

    Returns the request, or None for a message already applied or about no request we hold
    (the registrar acknowledges it either way: it cannot become applicable later).
    """
    if not await inbox.claim(work.session, [message.message_id], now):
        return None
    inbound = await repository.by_partner_reference(
        work.session, message.channel.value, message.in_reply_to or ""
    )
    if inbound is None or inbound.purged_at is not None:
        log.warning(
            "clarification %s refers to no request held (%s %s); ignored",
            message.message_id,
            message.channel.value,
            message.in_reply_to,
        )
        return None
    _take_clarification(work, inbound, message, now)
    await audit.append(work.session, [_collection(inbound, message)], now)
    return inbound


def _take_clarification(
    work: UnitOfWork, inbound: InboundRequest, message: PartnerMessage, now: datetime
) -> None:
    previous = inbound.status
    detail: dict[str, object] = {
        "message_id": str(message.message_id),
        "partner_reference": message.partner_reference,
        "text": message.text or "",
    }
    awaited = allows(InboundAction.CLARIFICATION_RECEIVED, previous)
    if awaited:
        clarified_at = min(message.received_at, now)
        pause = resume_clock(inbound, clarified_at)
        inbound.status = transition(InboundAction.CLARIFICATION_RECEIVED, previous).value
        renew_deadline_markers(inbound, now)
        detail |= {
            "suspended_seconds": int(pause.total_seconds()),
            "due_at": inbound.due_at.isoformat(),
            "deadline_basis": inbound.deadline_basis,
        }
    inbound.updated_at = now
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        type="clarification_received" if awaited else "clarification_unsolicited",
        actor=f"partner:{message.channel.value}:{message.requesting_country}",
        at=now,
        from_status=previous if awaited else None,
        to_status=inbound.status if awaited else None,
        detail=detail,
    )
    stage_inbound_notice(work, inbound, now)


def _collection(inbound: InboundRequest, message: PartnerMessage) -> AuditRecord:
    return AuditRecord(
        Action.COLLECTION,
        Actor.system(REGISTRAR, inbound.unit),
        None,
        inbound.purpose,
        recipients=[],
        detail={
            "operation": "clarification_received",
            "from": {
                "channel": message.channel.value,
                "country": message.requesting_country,
                "authority": message.requesting_authority,
            },
            "message_id": str(message.message_id),
        },
        inbound_id=inbound.id,
    )

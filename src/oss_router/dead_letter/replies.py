"""Dead letters of replies to partners (inbound/): a reply its channel's worker gave up on,
and a worker's report on a reply that the tracker could not apply. Never commits.

Replayed like a dispatch's (``service.py``): the operator says the cause is fixed, the
``failed`` reply goes back to ``queued`` with its attempts and error reset and a new envelope
in the outbox (``x-oss-replay: n``), the timeline says who, why and what it had been through,
and the audit log records the reply sent again to the requesting authority (LED 2016/680
Art. 25). Refused, the letter staying where it is: unknown reply, erased request, a stale
copy of a letter already replayed, a reply delivered meanwhile, or one not ``failed`` yet
(the tracker has not applied the worker's report; replay it once it has) — unless the broker
dead-lettered it at its delivery limit, when its failure was never reported. A results letter
is republished to the tracker unless the tracker has taken it already or would ignore it.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.dead_letter import repository as dead_repository
from oss_router.dead_letter.letters import DeadLetter
from oss_router.inbound import reply_repository
from oss_router.inbound.lifecycle import REPLY_TERMINAL, reply_advances
from oss_router.inbound.replies import enqueue_reply, move_reply, reply_envelope
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import ReplyStatus
from oss_router.models import InboundReply, InboundRequest
from oss_router.unit_of_work import UnitOfWork

DELIVERY_LIMIT = "delivery_limit"

Found = tuple[InboundRequest, InboundReply] | str


async def replay_reply(
    work: UnitOfWork, letter: DeadLetter, actor: str, reason: str, now: datetime
) -> tuple[bool, str]:
    """(done, note) for a reply's dead letter."""
    found = await _find(work.session, letter)
    if isinstance(found, str):
        return False, found
    inbound, reply = found
    refusal = await _refusal(work.session, letter, inbound, reply)
    if refusal is not None:
        return False, refusal
    journey = letter.replays + 1
    detail = {
        "reason": reason,
        "replay": journey,
        "channel": reply.channel,
        "previous_status": reply.status,
        "previous_attempts": reply.attempts,
        "previous_error": reply.error or letter.last_error,
        "dead_letter_reason": letter.reason,
    }
    if reply.status == ReplyStatus.FAILED.value:
        # The one way out of a terminal status: an operator's replay, never a message.
        move_reply(work, inbound, reply, ReplyStatus.QUEUED, actor, now, {"replay": journey})
    reply.attempts, reply.error, reply.updated_at = 0, None, now
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        reply_id=reply.id,
        type="reply_replayed",
        actor=actor,
        at=now,
        detail=detail,
    )
    enqueue_reply(work, reply_envelope(inbound, reply), now, replay=journey)
    await audit.append(work.session, [_sent_again(inbound, reply, actor, reason, journey)], now)
    return True, f"reply replayed (replay {journey}) to {reply.channel}"


async def replay_reply_result(
    work: UnitOfWork,
    letter: DeadLetter,
    actor: str,
    reason: str,
    now: datetime,
    republish: Callable[[], Awaitable[None]],
) -> tuple[bool, str]:
    found = await _find(work.session, letter)
    if isinstance(found, str):
        return False, found
    inbound, reply = found
    if inbound.purged_at is not None:
        return False, "the request's personal data were erased: discard it"
    if letter.result_id is not None and await dead_repository.processed(
        work.session, letter.result_id
    ):
        return False, "the tracker has taken this result already: nothing to replay, discard it"
    if letter.result is None or not (
        reply.status == ReplyStatus.QUEUED.value or reply_advances(reply.status, letter.result)
    ):
        return False, (
            f"reply is {reply.status}: the tracker would ignore this {letter.result} result, "
            "discard it"
        )
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        reply_id=reply.id,
        type="reply_result_replayed",
        actor=actor,
        at=now,
        detail={"reason": reason, "result": letter.result, "message_id": str(letter.result_id)},
    )
    await republish()
    record = AuditRecord(
        Action.ALTERATION,
        Actor.operator(actor),
        None,
        reason,
        detail={"operation": "reply_result_replay", "reply_id": str(reply.id)},
        inbound_id=inbound.id,
    )
    await audit.append(work.session, [record], now)
    return True, f"{letter.result} result of the reply republished to the tracker"


async def record_reply_discard(
    work: UnitOfWork, letter: DeadLetter, actor: str, reason: str | None, now: datetime
) -> None:
    """The discard on the received request's timeline and in the audit log (a copy of a
    reply — personal data — is erased), when the letter names a request we hold."""
    if letter.inbound_id is None:
        return
    inbound = await reply_repository.get_locked(work.session, letter.inbound_id)
    if inbound is None:
        return
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        reply_id=letter.reply_id,
        type="dead_letter_discarded",
        actor=actor,
        at=now,
        detail={"reason": reason, "queue": letter.queue, "dead_letter_reason": letter.reason},
    )
    record = AuditRecord(
        Action.ERASURE,
        Actor.operator(actor),
        None,
        reason,
        detail={"operation": "dead_letter_discard", "reply_id": str(letter.reply_id)},
        inbound_id=inbound.id,
    )
    await audit.append(work.session, [record], now)


async def _find(session: AsyncSession, letter: DeadLetter) -> Found:
    if letter.reply_id is None or letter.inbound_id is None:
        return "malformed reply: nothing to replay, discard it"
    inbound = await reply_repository.get_locked(session, letter.inbound_id)
    reply = None
    if inbound is not None:
        reply = next((r for r in inbound.replies if r.id == letter.reply_id), None)
    if inbound is None or reply is None:
        return "unknown reply: nothing to replay, discard it"
    return inbound, reply


async def _refusal(
    session: AsyncSession, letter: DeadLetter, inbound: InboundRequest, reply: InboundReply
) -> str | None:
    if inbound.purged_at is not None:
        return "the request's personal data were erased: discard it"
    if await reply_repository.journeys_of(session, reply.id) > letter.replays:
        return "already replayed (this letter is a stale copy): discard it"
    if reply.status == ReplyStatus.FAILED.value:
        return None
    if ReplyStatus(reply.status) in REPLY_TERMINAL:
        return f"reply is {reply.status}: nothing to replay, discard it"
    if letter.reason == DELIVERY_LIMIT:
        return None
    return f"reply is {reply.status}, not failed yet: replay it once the tracker caught up"


def _sent_again(
    inbound: InboundRequest, reply: InboundReply, actor: str, reason: str, journey: int
) -> AuditRecord:
    return AuditRecord(
        Action.ALTERATION,
        Actor.operator(actor),
        None,
        reason,
        recipients=[
            {
                "channel": inbound.channel,
                "country": inbound.requesting_country,
                "authority": inbound.requesting_authority,
            }
        ],
        detail={"operation": "reply_replay", "reply_id": str(reply.id), "replay": journey},
        inbound_id=inbound.id,
    )

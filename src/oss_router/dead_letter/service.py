"""Replaying and discarding one dead letter in the database. Never commits.

A replay is the operator's statement that the cause is fixed: the ``failed`` dispatch goes back
to ``queued`` (``lifecycle.replay_target``, the one way out of a terminal state), its attempt
counter and error are reset, and a new envelope for it is staged in the outbox
(``dispatch/staging.py::restage``, shared with a supervisor's retry), which the relay
publishes to the channel's dispatch exchange with ``x-oss-attempt: 1`` and ``x-oss-replay: n``
(so that the worker's results of this journey carry fresh message ids). The timeline records
who replayed it, why, and what it had been through.

Refused, the dead letter staying where it is: a malformed envelope or an unknown dispatch, a
request cancelled or erased (retention), a dispatch re-routed to another channel (replaying it
would send the request twice), answered or cancelled meanwhile, or not yet ``failed`` because
the tracker has not applied the worker's failure report yet (the letter can be replayed once
it has), or already replayed (a copy left behind when the acknowledgement after a committed
replay was lost) or retried by a supervisor, or failed in a request closed by a
cancellation. A letter dead-lettered by the broker's delivery limit (a worker crashed on it
again and again) never had its failure reported: its dispatch is still in flight and is
replayed as it is.

A letter of ``oss_router.dead.results`` (a channel's report the tracker could not apply) is
replayed by publishing it again, unchanged, to the results exchange: the tracker applies it
as it would have, at most once (its inbox). Refused: a malformed result, an unknown dispatch,
an erased request, a result the tracker has taken already (its inbox holds the id), and one
the tracker would ignore (the dispatch has moved past it, or is terminal): discard those.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.dead_letter import replies
from oss_router.dead_letter import repository as dead_repository
from oss_router.dead_letter.letters import DeadLetter
from oss_router.dispatch import repository as dispatch_repository
from oss_router.dispatch.lifecycle import IllegalTransitionError, is_terminal, should_apply
from oss_router.dispatch.staging import restage, retry_refusal, sent_again
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.request import repository
from oss_router.unit_of_work import UnitOfWork

DELIVERY_LIMIT = "delivery_limit"


@dataclass(frozen=True)
class Outcome:
    letter: DeadLetter
    done: bool  # replayed (or discarded): the letter can leave its queue
    note: str


async def replay_letter(
    uow: UnitOfWork, letter: DeadLetter, actor: str, reason: str, now: datetime
) -> Outcome:
    if letter.is_reply:
        done, note = await replies.replay_reply(uow, letter, actor, reason, now)
        return Outcome(letter, done=done, note=note)
    found = await _find(uow.session, letter)
    if isinstance(found, str):
        return Outcome(letter, done=False, note=found)
    request, dispatch = found
    refusal = await _refusal(uow.session, letter, request, dispatch)
    if refusal is not None:
        return Outcome(letter, done=False, note=refusal)
    replay = letter.replays + 1
    detail = _replay_detail(letter, dispatch, reason, replay)
    restage(uow, request, dispatch, actor, now, event="replayed", detail=detail)
    # Last write of the transaction (audit.append locks the chain head until the commit). The
    # relay audits the disclosure itself when it publishes the envelope.
    record = sent_again(
        request, dispatch, Actor.operator(actor), reason, operation="replay", journey=replay
    )
    await audit.append(uow.session, [record], now)
    return Outcome(letter, done=True, note=f"replayed (replay {replay}) to {dispatch.channel}")


async def replay_result(
    uow: UnitOfWork,
    letter: DeadLetter,
    actor: str,
    reason: str,
    now: datetime,
    republish: Callable[[], Awaitable[None]],
) -> Outcome:
    """Put a results letter back before the tracker: ``republish`` publishes it (and waits for
    the broker's confirm) inside this transaction, after the timeline event and before the
    audit entry, so that the confirm is not awaited under the audit chain's lock."""
    found = await _find(uow.session, letter, lock=False)
    if isinstance(found, str):
        return Outcome(letter, done=False, note=found)
    request, dispatch = found
    refusal = await _result_refusal(uow.session, letter, request, dispatch)
    if refusal is not None:
        return Outcome(letter, done=False, note=refusal)
    uow.record_event(
        request_id=request.id,
        dispatch_id=dispatch.id,
        type="result_replayed",
        actor=actor,
        at=now,
        detail={
            "reason": reason,
            "result": letter.result,
            "message_id": str(letter.result_id),
            "channel": dispatch.channel,
            "previous_status": dispatch.status,
            "dead_letter_reason": letter.reason,
        },
    )
    await republish()
    record = AuditRecord(
        Action.ALTERATION,
        Actor.operator(actor),
        request.id,
        reason,
        detail={
            "operation": "result_replay",
            "dispatch_id": str(dispatch.id),
            "result": letter.result,
            "message_id": str(letter.result_id),
        },
    )
    await audit.append(uow.session, [record], now)
    return Outcome(letter, done=True, note=f"{letter.result} result republished to the tracker")


async def record_discard(
    uow: UnitOfWork,
    letter: DeadLetter,
    request: ExchangeRequest | None,
    actor: str,
    reason: str | None,
    now: datetime,
) -> None:
    """The discard on the request's timeline and in the audit log (a copy of the request's
    personal data is erased), when the letter names a request we know."""
    if letter.is_reply:
        await replies.record_reply_discard(uow, letter, actor, reason, now)
        return
    if request is None:
        return
    uow.record_event(
        request_id=request.id,
        dispatch_id=letter.dispatch_id,
        type="dead_letter_discarded",
        actor=actor,
        at=now,
        detail=_discard_detail(letter, reason),
    )
    record = AuditRecord(
        Action.ERASURE,
        Actor.operator(actor),
        request.id,
        reason,
        detail={
            "operation": "dead_letter_discard",
            "dispatch_id": str(letter.dispatch_id),
            "queue": letter.queue,
        },
    )
    await audit.append(uow.session, [record], now)


async def request_of(session: AsyncSession, letter: DeadLetter) -> ExchangeRequest | None:
    if letter.request_id is None:
        return None
    return await repository.get(session, letter.request_id)


def _discard_detail(letter: DeadLetter, reason: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "reason": reason,
        "queue": letter.queue,
        "dead_letter_reason": letter.reason,
        "attempts": letter.attempts,
    }
    if letter.is_result:
        detail["result"] = letter.result
    return detail


async def _find(
    session: AsyncSession, letter: DeadLetter, *, lock: bool = True
) -> tuple[ExchangeRequest, Dispatch] | str:
    if letter.dispatch_id is None or letter.request_id is None:
        what = "result" if letter.is_result else "envelope"
        return f"malformed {what}: nothing to replay, discard it"
    request = await repository.get(session, letter.request_id, lock=lock)
    dispatch = None
    if request is not None:
        dispatch = next((d for d in request.dispatches if d.id == letter.dispatch_id), None)
    if request is None or dispatch is None:
        return "unknown dispatch: nothing to replay, discard it"
    return request, dispatch


async def _refusal(
    session: AsyncSession, letter: DeadLetter, request: ExchangeRequest, dispatch: Dispatch
) -> str | None:
    if request.purged_at is not None:
        return "the request's personal data were erased: discard it"
    if request.status == RequestStatus.CANCELLED.value:
        return "the request was cancelled: discard it"
    if await dispatch_repository.journeys_of(session, dispatch.id) > letter.replays:
        return "already replayed (this letter is a stale copy): discard it"
    replacement = await dead_repository.replacement_of(session, request.id, dispatch.id)
    if replacement is not None:
        return f"re-routed to {replacement}: replaying would send it twice, discard it"
    if dispatch.status == DispatchStatus.FAILED.value:
        refusal = retry_refusal(request, dispatch)
        return None if refusal is None else f"{refusal}: discard it"
    if is_terminal(dispatch.status):
        return f"dispatch is {dispatch.status}: nothing to replay, discard it"
    if letter.reason == DELIVERY_LIMIT:
        return None
    return f"dispatch is {dispatch.status}, not failed yet: replay it once the tracker caught up"


async def _result_refusal(
    session: AsyncSession, letter: DeadLetter, request: ExchangeRequest, dispatch: Dispatch
) -> str | None:
    if request.purged_at is not None:
        return "the request's personal data were erased: discard it"
    if letter.result_id is not None and await dead_repository.processed(session, letter.result_id):
        return "the tracker has taken this result already: nothing to replay, discard it"
    try:
        applies = letter.result is not None and should_apply(dispatch.status, letter.result)
    except IllegalTransitionError:
        applies = False
    if not applies:
        return (
            f"dispatch is {dispatch.status}: the tracker would ignore this {letter.result} "
            "result, discard it"
        )
    return None


def _replay_detail(
    letter: DeadLetter, dispatch: Dispatch, reason: str, replay: int
) -> dict[str, Any]:
    return {
        "reason": reason,
        "replay": replay,
        "channel": dispatch.channel,
        "country": dispatch.country,
        "previous_status": dispatch.status,
        "previous_attempts": dispatch.attempts,
        "previous_error": dispatch.error or letter.last_error,
        "dead_letter_reason": letter.reason,
    }

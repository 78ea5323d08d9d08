"""The dead-letter commands' work on the broker: take the letters of each dead-letter queue
(each channel's, and the results'), decide each one in its own transaction, and settle it only
after that committed.

A letter leaves its queue (``ack``) only once the replay or discard is committed, so a crash in
between leaves it where it was: replaying it again is refused (its dispatch is no longer
``failed``) and it can be discarded. A results letter is republished to the tracker inside
its transaction: a crash after the commit leaves a copy, refused on a later replay once the
tracker has taken the result (and absorbed by the tracker's inbox before that). Letters not
selected or refused go back untouched.
"""

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from oss_router.broker.contract import Broker, Delivery, OutgoingMessage
from oss_router.broker.topology import RESULTS_EXCHANGE, RESULTS_KEY
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker
from oss_router.dead_letter import repository
from oss_router.dead_letter.letters import DeadLetter, describe, queue_name
from oss_router.dead_letter.service import (
    Outcome,
    record_discard,
    replay_letter,
    replay_result,
    request_of,
)
from oss_router.inbound import reply_repository
from oss_router.live.notices import publish_notices
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER
from oss_router.telemetry import context
from oss_router.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Report = Callable[[Outcome], None]


@dataclass(frozen=True)
class Listed:
    letter: DeadLetter
    status: str | None  # the dispatch's status in the database; None: unknown dispatch
    error: str | None  # the failure the worker reported (dispatch.error), else the header's


@dataclass(frozen=True)
class Selection:
    queues: Sequence[str]  # short names: channels, and letters.RESULTS
    dispatch_ids: Collection[UUID] | None = None  # None: every letter

    def __contains__(self, letter: DeadLetter) -> bool:
        return self.dispatch_ids is None or letter.dispatch_id in self.dispatch_ids


async def count_letters(broker: Broker, queues: Sequence[str]) -> dict[str, int]:
    return {queue: (await broker.queue_stats(queue_name(queue))).messages for queue in queues}


async def list_letters(
    sessions: SessionMaker, broker: Broker, queues: Sequence[str], limit: int
) -> list[Listed]:
    """Up to ``limit`` letters, oldest first per queue; every one stays in its queue."""
    letters: list[DeadLetter] = []
    for queue in queues:
        if len(letters) >= limit:
            break
        async with broker.fetch(queue_name(queue), limit - len(letters)) as taken:
            letters += [describe(delivery, queue) for delivery in taken]
    async with sessions() as session:
        known = [letter.dispatch_id for letter in letters if letter.dispatch_id is not None]
        states = await repository.dispatch_states(session, known)
        replies = [letter.reply_id for letter in letters if letter.reply_id is not None]
        states |= await reply_repository.reply_states(session, replies)
    listed = []
    for letter in letters:
        key = letter.dispatch_id or letter.reply_id
        status, error = states.get(key, (None, None)) if key else (None, None)
        listed.append(Listed(letter, status, error or letter.last_error))
    return listed


async def replay(
    sessions: SessionMaker,
    broker: Broker,
    selection: Selection,
    *,
    actor: str,
    reason: str,
    report: Report,
    clock: Clock = utcnow,
) -> list[Outcome]:
    async def one(delivery: Delivery, letter: DeadLetter) -> Outcome:
        async with unit_of_work(sessions) as uow:
            if letter.is_result:
                outcome = await replay_result(
                    uow,
                    letter,
                    actor,
                    reason,
                    clock(),
                    lambda: broker.publish([republished(delivery)]),
                )
            else:
                outcome = await replay_letter(uow, letter, actor, reason, clock())
        if outcome.done:
            await delivery.ack()
            await publish_notices(broker, uow.notices)
            _log(letter, "replayed", actor, reason)
        return outcome

    return await _each_letter(broker, selection, one, report)


async def discard(
    sessions: SessionMaker,
    broker: Broker,
    selection: Selection,
    *,
    actor: str,
    reason: str | None,
    report: Report,
    clock: Clock = utcnow,
) -> list[Outcome]:
    async def one(delivery: Delivery, letter: DeadLetter) -> Outcome:
        async with unit_of_work(sessions) as uow:
            request = await request_of(uow.session, letter)
            await record_discard(uow, letter, request, actor, reason, clock())
        await delivery.ack()
        _log(letter, "discarded", actor, reason)
        return Outcome(letter, done=True, note="discarded")

    return await _each_letter(broker, selection, one, report)


async def _each_letter(
    broker: Broker,
    selection: Selection,
    handle: Callable[[Delivery, DeadLetter], Awaitable[Outcome]],
    report: Report,
) -> list[Outcome]:
    outcomes = []
    for short in selection.queues:
        queue = queue_name(short)
        waiting = (await broker.queue_stats(queue)).messages
        if not waiting:
            continue
        # One fetch for the whole queue: letters put back (not selected, refused) are not
        # taken again by a later fetch of the same run.
        async with broker.fetch(queue, waiting) as taken:
            for delivery in taken:
                letter = describe(delivery, short)
                if letter in selection:
                    outcome = await handle(delivery, letter)
                    outcomes.append(outcome)
                    report(outcome)
    return outcomes


def republished(delivery: Delivery) -> OutgoingMessage:
    """A results letter as the worker first published it, for the tracker again (without the
    broker's ``x-death`` history: should it die again, its new reason comes first)."""
    correlation = context.from_headers(delivery.headers, delivery.correlation_id)
    headers: dict[str, Any] = {context.CORRELATION_HEADER: correlation} if correlation else {}
    kind = delivery.headers.get(MESSAGE_TYPE_HEADER)
    if kind is not None:  # a reply's result stays one (inbound/)
        headers[MESSAGE_TYPE_HEADER] = kind
    return OutgoingMessage(
        exchange=RESULTS_EXCHANGE,
        routing_key=RESULTS_KEY,
        body=delivery.body,
        message_id=delivery.message_id,
        headers=headers,
        correlation_id=correlation,
    )


def _log(letter: DeadLetter, action: str, actor: str, reason: str | None) -> None:
    correlation = str(letter.request_id) if letter.request_id else None
    with context.bound(correlation, "dead-letters"):
        log.warning(
            "dead letter %s of dispatch %s (%s) %s by %s: %s",
            letter.message_id,
            letter.dispatch_id,
            f"{letter.result} result" if letter.is_result else letter.channel,
            action,
            actor,
            reason or "no reason given",
            extra={"dispatch_id": str(letter.dispatch_id), "operator": actor},
        )

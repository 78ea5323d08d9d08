"""The dead-letter commands' work on the broker: take the letters of each channel's dead-letter
queue, decide each one in its own transaction, and settle it only after that committed.

A letter leaves its queue (``ack``) only once the replay or discard is committed, so a crash in
between leaves it where it was: replaying it again is refused (its dispatch is no longer
``failed``) and it can be discarded. Letters not selected or refused go back untouched.
"""

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from uuid import UUID

from oss_router.broker.contract import Broker, Delivery
from oss_router.broker.topology import dead_letter_queue
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker, unit_of_work
from oss_router.dead_letter import repository
from oss_router.dead_letter.letters import DeadLetter, describe
from oss_router.dead_letter.service import Outcome, record_discard, replay_letter, request_of
from oss_router.live.notices import publish_staged_now
from oss_router.messages.codes import Channel
from oss_router.telemetry import context

log = logging.getLogger(__name__)

Report = Callable[[Outcome], None]


@dataclass(frozen=True)
class Listed:
    letter: DeadLetter
    status: str | None  # the dispatch's status in the database; None: unknown dispatch
    error: str | None  # the failure the worker reported (dispatch.error), else the header's


@dataclass(frozen=True)
class Selection:
    channels: Sequence[Channel]
    dispatch_ids: Collection[UUID] | None = None  # None: every letter

    def __contains__(self, letter: DeadLetter) -> bool:
        return self.dispatch_ids is None or letter.dispatch_id in self.dispatch_ids


async def count_letters(broker: Broker, channels: Sequence[Channel]) -> dict[Channel, int]:
    return {
        channel: (await broker.queue_stats(dead_letter_queue(channel))).messages
        for channel in channels
    }


async def list_letters(
    sessions: SessionMaker, broker: Broker, channels: Sequence[Channel], limit: int
) -> list[Listed]:
    """Up to ``limit`` letters, oldest first per channel; every one stays in its queue."""
    letters: list[DeadLetter] = []
    for channel in channels:
        if len(letters) >= limit:
            break
        async with broker.fetch(dead_letter_queue(channel), limit - len(letters)) as taken:
            letters += [describe(delivery, channel) for delivery in taken]
    async with sessions() as session:
        known = [letter.dispatch_id for letter in letters if letter.dispatch_id is not None]
        states = await repository.dispatch_states(session, known)
    listed = []
    for letter in letters:
        status, error = (
            states.get(letter.dispatch_id, (None, None)) if letter.dispatch_id else (None, None)
        )
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
        async with unit_of_work(sessions) as session:
            outcome = await replay_letter(session, letter, actor, reason, clock())
        if outcome.done:
            await delivery.ack()
            await publish_staged_now(session, broker)
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
        async with unit_of_work(sessions) as session:
            request = await request_of(session, letter)
            await record_discard(session, letter, request, actor, reason, clock())
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
    for channel in selection.channels:
        queue = dead_letter_queue(channel)
        waiting = (await broker.queue_stats(queue)).messages
        if not waiting:
            continue
        # One fetch for the whole queue: letters put back (not selected, refused) are not
        # taken again by a later fetch of the same run.
        async with broker.fetch(queue, waiting) as taken:
            for delivery in taken:
                letter = describe(delivery, channel)
                if letter in selection:
                    outcome = await handle(delivery, letter)
                    outcomes.append(outcome)
                    report(outcome)
    return outcomes


def _log(letter: DeadLetter, action: str, actor: str, reason: str | None) -> None:
    correlation = str(letter.request_id) if letter.request_id else None
    with context.bound(correlation, "dead-letters"):
        log.warning(
            "dead letter %s of dispatch %s (%s) %s by %s: %s",
            letter.message_id,
            letter.dispatch_id,
            letter.channel,
            action,
            actor,
            reason or "no reason given",
            extra={"dispatch_id": str(letter.dispatch_id), "operator": actor},
        )

"""Consumes the results queue and applies the messages in batches, one transaction per batch.

Each delivery waits in its handler until the batch that contains it is committed and the
delivery acknowledged (ack after commit: a crash in between only causes a redelivery, which the
inbox absorbs). Batches form by themselves under load — while one is being written the next
fills up — and a lone message waits at most ``linger_seconds`` for company, or
``idle_linger_seconds`` after a small batch (a low rate).
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import text

from oss_router.aio import first_completed
from oss_router.broker.contract import Broker, BrokerError, Consumer, Delivery
from oss_router.broker.topology import RESULTS_QUEUE
from oss_router.clock import Clock, utcnow
from oss_router.conversations.delivery import apply_message_results
from oss_router.db import SessionMaker
from oss_router.inbound.reply_results import apply_reply_results
from oss_router.live.notices import Notice, publish_notices
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.messages.conversation import MESSAGE_RESULT_TYPE, MessageResult
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER, REPLY_RESULT_TYPE, ReplyResult
from oss_router.messages.result import DispatchResult
from oss_router.messages.status import StatusNotice
from oss_router.telemetry import context, metrics
from oss_router.telemetry.logs import describe_validation_error
from oss_router.tracker.service import Applied, apply_results
from oss_router.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

# While the database is unreachable, results are held and tried again at this pace.
ERROR_PAUSE_SECONDS = 1.0
# A batch at least this large means results arrive faster than they are written: the next
# batch keeps the short linger (decision 0027).
BUSY_BATCH = 16
# What the ``x-oss-type`` header of a result names; no header: a dispatch result.
AnyResult = DispatchResult | ReplyResult | MessageResult
_RESULT_MODELS: dict[object, type[AnyResult]] = {
    REPLY_RESULT_TYPE: ReplyResult,
    MESSAGE_RESULT_TYPE: MessageResult,
}


@dataclass
class _Pending:
    delivery: Delivery
    result: AnyResult
    done: asyncio.Future[None]


@dataclass
class _Batch:
    """What one transaction applied: dispatch transitions (their notices are built from
    them) and the notices the reply transitions staged (inbound/replies.py)."""

    applied: list[Applied]
    inbound_notices: list[Notice]
    replies_applied: set[int]  # id() of the reply and message results that changed something


class Tracker:
    def __init__(
        self,
        sessions: SessionMaker,
        broker: Broker,
        *,
        batch_size: int = 100,
        linger_seconds: float = 0.002,
        idle_linger_seconds: float = 0.0,
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._batch_size = batch_size
        self._linger = linger_seconds
        self._idle_linger = max(idle_linger_seconds, linger_seconds)
        self._clock = clock
        self._pending: list[_Pending] = []
        self._arrived = asyncio.Event()
        self._stop = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions were committed (observability, tests)
        self.in_flight = 0  # results received and not yet settled (the shutdown says so)

    async def start(self) -> Consumer:
        self._writer = asyncio.create_task(self._write_batches(), name="tracker-writer")
        # Twice the batch in flight: one batch being written, the next one filling up.
        consumer = await self._broker.consume(
            RESULTS_QUEUE, self.handle, prefetch=2 * self._batch_size
        )
        return _TrackerConsumer(self, consumer)

    async def handle(self, delivery: Delivery) -> None:
        correlation = context.from_headers(delivery.headers, delivery.correlation_id)
        with context.bound(correlation, "tracker"):
            await self._handle(delivery)

    async def _handle(self, delivery: Delivery) -> None:
        # A reply's or a message's result says so in its header; none: a dispatch result.
        model = _RESULT_MODELS.get(delivery.headers.get(MESSAGE_TYPE_HEADER), DispatchResult)
        try:
            result = model.model_validate_json(delivery.body)
        except ValidationError as error:
            log.error(
                "tracker: malformed result %s dead-lettered: %s",
                delivery.message_id,
                describe_validation_error(error),
            )
            metrics.RESULTS.labels("malformed").inc()
            metrics.DEAD_LETTERS.labels("results").inc()
            await delivery.reject()
            return
        pending = _Pending(delivery, result, asyncio.get_running_loop().create_future())
        self._pending.append(pending)
        self._arrived.set()
        self.in_flight += 1
        try:
            await pending.done
        finally:
            self.in_flight -= 1

    async def stop(self) -> None:
        self._stop.set()
        if self._writer is not None:
            await self._writer

    async def _write_batches(self) -> None:
        last = 0  # results in the previous batch
        while True:
            if not self._pending:
                self._arrived.clear()
                if await first_completed(self._arrived.wait(), self._stop.wait()) == 1:
                    return
            # After a small batch the next one waits longer for company: at a steady low rate
            # every batch would otherwise be one result paying the whole fixed cost of a
            # transaction (inbox claim, locks, commit) and a notice message of its own
            # (decision 0027). Under load batches are large and keep the short linger.
            linger = self._idle_linger if last < BUSY_BATCH else self._linger
            if len(self._pending) < self._batch_size:
                await asyncio.sleep(linger)
            batch, self._pending = (
                self._pending[: self._batch_size],
                self._pending[self._batch_size :],
            )
            last = len(batch)
            await self._write(batch)

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            applied = await self._apply([pending.result for pending in batch])
        except Exception:
            log.exception("tracker: a batch of %d failed; applying one by one", len(batch))
            await self._write_one_by_one(batch)
            return
        self.batches += 1
        await _settle(batch, requeue=False)
        _account(batch, applied)
        await publish_notices(self._broker, _notices(applied))

    async def _write_one_by_one(self, batch: list[_Pending]) -> None:
        """Isolate what failed: a message that fails on its own while the database works is
        poison and is dead-lettered; while the database is unreachable the deliveries are held
        (unacknowledged, so not counted against the delivery limit) and tried again."""
        remaining = batch
        while remaining:
            held = []
            for pending in remaining:
                try:
                    applied = await self._apply([pending.result])
                except Exception:
                    held.append(pending)
                    continue
                await _settle([pending], requeue=False)
                _account([pending], applied)
                await publish_notices(self._broker, _notices(applied))
            if held and await self._database_ok():
                for pending in held:
                    log.error(
                        "tracker: result %s cannot be applied; dead-lettered",
                        pending.result.message_id,
                    )
                metrics.DEAD_LETTERS.labels("results").inc(len(held))
                await _settle(held, reject=True)
                return
            if held and self._stop.is_set():
                metrics.RESULTS.labels("requeued").inc(len(held))
                await _settle(held, requeue=True)
                return
            remaining = held
            if remaining:
                log.warning("tracker: database unreachable; holding %d results", len(held))
                await asyncio.sleep(ERROR_PAUSE_SECONDS)

    async def _database_ok(self) -> bool:
        try:
            async with self._sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def _apply(
        self, results: Sequence[DispatchResult | ReplyResult | MessageResult]
    ) -> _Batch:
        """Dispatch results first, then replies', then messages' (their rows are locked in
        that order by every writer: exchange requests, received requests, messages)."""
        dispatches = [r for r in results if isinstance(r, DispatchResult)]
        replies = [r for r in results if isinstance(r, ReplyResult)]
        messages = [r for r in results if isinstance(r, MessageResult)]
        now = self._clock()
        async with unit_of_work(self._sessions, events_as_rows=True) as uow:
            applied = await apply_results(uow, dispatches, now) if dispatches else []
            moved = await apply_reply_results(uow, replies, now) if replies else []
            sent = await apply_message_results(uow, messages, now) if messages else []
        changed = {id(item.result) for item in moved} | {id(item.result) for item in sent}
        return _Batch(applied, list(uow.notices), changed)


class _TrackerConsumer:
    """Stops the consumer first (letting waiting batches finish), then the batch writer."""

    def __init__(self, tracker: Tracker, consumer: Consumer) -> None:
        self._tracker = tracker
        self._consumer = consumer

    async def cancel(self, *, grace_seconds: float = 0.0) -> None:
        await self._consumer.cancel(grace_seconds=grace_seconds)
        await self._tracker.stop()


async def _settle(batch: list[_Pending], *, requeue: bool = False, reject: bool = False) -> None:
    for pending in batch:
        try:
            if reject:
                await pending.delivery.reject()
            elif requeue:
                await pending.delivery.nack(requeue=True)
            else:
                await pending.delivery.ack()
        except BrokerError as error:  # the channel is gone: RabbitMQ redelivers, inbox absorbs
            log.info("tracker: %s", error)
        if not pending.done.done():
            pending.done.set_result(None)


def _account(batch: list[_Pending], applied: _Batch) -> None:
    """Metrics and a log line per result: applied (DEBUG: the hot path), or ignored as a
    duplicate or stale (INFO: a redelivery or a reordering is worth seeing)."""
    changed = {id(item.result) for item in applied.applied} | applied.replies_applied
    debug = log.isEnabledFor(logging.DEBUG)
    applied_count = 0
    for pending in batch:
        result, was_applied = pending.result, id(pending.result) in changed
        applied_count += was_applied
        if was_applied and not debug:
            continue
        what, key, which = _named(result)
        with context.bound(result.correlation_id, "tracker"):
            log.log(
                logging.DEBUG if was_applied else logging.INFO,
                "tracker: %s %s %s %s",
                what,
                which,
                result.status,
                "applied" if was_applied else "ignored (duplicate or stale)",
                extra={key: str(which), "status": result.status},
            )
    for outcome, count in (("applied", applied_count), ("ignored", len(batch) - applied_count)):
        if count:
            metrics.RESULTS.labels(outcome).inc(count)


def _named(result: AnyResult) -> tuple[str, str, object]:
    if isinstance(result, ReplyResult):
        return "reply", "reply_id", result.reply_id
    if isinstance(result, MessageResult):
        return "message", "exchange_message_id", result.exchange_message_id
    return "dispatch", "dispatch_id", result.dispatch_id


def _notices(batch: _Batch) -> list[Notice]:
    return [*(_notice(item) for item in batch.applied), *batch.inbound_notices]


def _notice(applied: Applied) -> StatusNotice:
    return StatusNotice(
        request_id=applied.request.id,
        request_status=RequestStatus(applied.request_status),
        dispatch_id=applied.result.dispatch_id,
        dispatch_status=DispatchStatus(applied.dispatch_status),
        at=_moment(applied),
    )


def _moment(applied: Applied) -> datetime:
    """When the transition happened at the channel's end: a carried "delivered" is as old as
    the worker's receipt of the dispatch."""
    result = applied.result
    if applied.dispatch_status != result.status and result.delivered_at is not None:
        return result.delivered_at
    return result.occurred_at

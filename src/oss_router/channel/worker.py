"""The worker runtime: consumes one channel's queue and drives its adapter.

For each delivery: report ``delivered``, call the adapter under a timeout, then publish the
answer (or the failure) and wait for the broker's confirm before acknowledging the delivery,
so that a crash at any point leads to a redelivery, never to a lost result. Retriable errors go
to the delayed-retry tier for the attempt; permanent errors and exhausted retries are reported
``failed`` and the message is dead-lettered.

The channel's queue also carries, told apart by ``MESSAGE_TYPE_HEADER``:

- replies to partners (``reply``): ``adapter.reply``, then a ``ReplyResult`` on the results
  exchange (header ``reply-result``), through the same retry tiers, dead letters and
  deterministic result ids as dispatches;
- messages of conversations (``message``: follow-ups, reminders, spontaneous information):
  ``adapter.send_message`` (contract version 3), then a ``MessageResult`` (header
  ``message-result``), through the same path as replies;
- simulation orders (``simulate``): handed to a stub adapter that plays its partner.

An adapter of contract version 2 also receives (``inbound.py``: the receive loop).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from oss_router.broker.contract import Broker, Consumer, Delivery, OutgoingMessage
from oss_router.broker.topology import (
    RESULTS_EXCHANGE,
    RESULTS_KEY,
    RETRY_EXCHANGE,
    dispatch_queue,
    retry_routing_key,
)
from oss_router.channel.contract import (
    AdapterAnswer,
    ChannelAdapter,
    ConversingAdapter,
    PartnerSimulator,
    PermanentChannelError,
    ReceivingAdapter,
    ReplyReceipt,
    RetriableChannelError,
)
from oss_router.clock import Clock, utcnow
from oss_router.messages.codes import Channel
from oss_router.messages.conversation import (
    MESSAGE_RESULT_TYPE,
    MESSAGE_TYPE,
    MessageEnvelope,
    MessageResult,
    message_result_message_id,
)
from oss_router.messages.dispatch import (
    ATTEMPT_HEADER,
    LAST_ERROR_HEADER,
    REPLAY_HEADER,
    DispatchEnvelope,
)
from oss_router.messages.inbound import (
    MESSAGE_TYPE_HEADER,
    REPLY_RESULT_TYPE,
    REPLY_TYPE,
    ReplyEnvelope,
    ReplyResult,
    ReplyResultStatus,
    reply_result_message_id,
)
from oss_router.messages.result import DispatchResult, ResultStatus, result_message_id
from oss_router.messages.simulation import SIMULATE_TYPE, SimulationOrder
from oss_router.telemetry import context, metrics
from oss_router.telemetry.logs import describe_validation_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Delivering:
    """A reply or a message on its way to the partner: what the shared delivery path needs."""

    what: str  # "reply" or "message", in log lines and errors
    label: str
    channel: Channel
    correlation_id: str
    attempt: int
    refusal: str | None  # a permanent error known before the call (the adapter cannot do it)


@dataclass
class _Received:
    """When the worker received a dispatch, and whether "delivered" was reported on its own."""

    at: datetime
    reported: bool = False


class ChannelWorker:
    def __init__(
        self,
        adapter: ChannelAdapter,
        broker: Broker,
        *,
        prefetch: int = 32,
        timeout_seconds: float = 30.0,
        delivered_report_seconds: float = 0.2,
        max_attempts: int = 5,
        retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000),
        clock: Clock = utcnow,
    ) -> None:
        self.adapter = adapter
        self._broker = broker
        self._prefetch = prefetch
        self._timeout = timeout_seconds
        self._delivered_report = delivered_report_seconds
        self._max_attempts = max_attempts
        self._retry_delays = sorted(set(retry_delays_ms))
        self._clock = clock
        self.in_flight = 0

    @property
    def channel(self) -> str:
        return str(self.adapter.channel)

    async def start(self) -> Consumer:
        queue = dispatch_queue(self.adapter.channel)
        return await self._broker.consume(queue, self.handle, prefetch=self._prefetch)

    async def handle(self, delivery: Delivery) -> None:
        correlation = context.from_headers(delivery.headers, delivery.correlation_id)
        with context.bound(correlation, f"worker:{self.channel}"):
            kind = delivery.headers.get(MESSAGE_TYPE_HEADER)
            if kind == REPLY_TYPE:
                await self._handle_reply(delivery)
            elif kind == MESSAGE_TYPE:
                await self._handle_message(delivery)
            elif kind == SIMULATE_TYPE:
                await self._handle_simulation(delivery)
            else:
                await self._handle(delivery)

    async def _malformed(self, delivery: Delivery, what: str, error: ValidationError) -> None:
        # The summary leaves out the input: a malformed envelope may still hold a subject.
        log.error(
            "worker %s: malformed %s %s dead-lettered: %s",
            self.channel,
            what,
            delivery.message_id,
            describe_validation_error(error),
        )
        metrics.DEAD_LETTERS.labels(self.channel).inc()
        await delivery.reject()

    async def _handle(self, delivery: Delivery) -> None:
        try:
            envelope = DispatchEnvelope.model_validate_json(delivery.body)
        except ValidationError as error:
            await self._malformed(delivery, "envelope", error)
            return
        attempt = _attempt(delivery.headers)
        if (
            attempt == 1
            and not delivery.redelivered
            and _counter(delivery.headers, REPLAY_HEADER, 0)
        ):
            metrics.DEAD_LETTER_REPLAYS.labels(self.channel).inc()  # an operator's replay arrived
        self.in_flight += 1
        try:
            await self._process(delivery, envelope, attempt)
        finally:
            self.in_flight -= 1

    async def _process(self, delivery: Delivery, envelope: DispatchEnvelope, attempt: int) -> None:
        # Per-dispatch lines are DEBUG (the hot path); retries, failures and dead letters INFO+.
        log.debug(
            "worker %s: dispatch %s, attempt %d",
            self.channel,
            envelope.dispatch_id,
            attempt,
            extra={"dispatch_id": str(envelope.dispatch_id), "attempt": attempt},
        )
        received = _Received(self._clock())
        call = asyncio.ensure_future(asyncio.wait_for(self.adapter.send(envelope), self._timeout))
        try:
            # A broker error here propagates: the delivery goes back to the queue.
            await self._delivered_unless_answered(call, delivery, envelope, attempt, received)
            await self._conclude(call, delivery, envelope, attempt, received)
        finally:
            call.cancel()  # no-op once done; on a stop without grace, the adapter call ends too

    async def _conclude(
        self,
        call: asyncio.Future[AdapterAnswer],
        delivery: Delivery,
        envelope: DispatchEnvelope,
        attempt: int,
        received: _Received,
    ) -> None:
        try:
            answer = await call
        except PermanentChannelError as error:
            await self._fail(delivery, envelope, attempt, f"permanent error: {error}", received)
        except Exception as error:  # retriable, a timeout, or an adapter bug (retried too)
            reason = self._reason(error)

            async def fail(reason: str) -> None:
                await self._fail(delivery, envelope, attempt, reason, received)

            async def before_retry() -> None:
                # The dispatch did reach its worker: the timeline shows it while the retry waits.
                await self._report_delivered(delivery, envelope, attempt, received)

            label = f"dispatch {envelope.dispatch_id}"
            await self._retry_or_fail(
                delivery, attempt, reason, label, envelope.correlation_id, fail, before_retry
            )
        else:
            await self._report(
                delivery, envelope, "answered", attempt, answer=answer, received=received
            )
            await delivery.ack()
            log.debug(
                "worker %s: dispatch %s answered (%s)",
                self.channel,
                envelope.dispatch_id,
                answer.outcome,
                extra={"dispatch_id": str(envelope.dispatch_id), "outcome": str(answer.outcome)},
            )

    async def _delivered_unless_answered(
        self,
        call: asyncio.Future[AdapterAnswer],
        delivery: Delivery,
        envelope: DispatchEnvelope,
        attempt: int,
        received: _Received,
    ) -> None:
        """Report "delivered" on its own only if the channel is still busy after the grace
        time; an answer (or failure) within it carries "delivered" itself."""
        if self._delivered_report > 0:
            await asyncio.wait([call], timeout=self._delivered_report)
        if not call.done():
            await self._report_delivered(delivery, envelope, attempt, received)

    async def _report_delivered(
        self, delivery: Delivery, envelope: DispatchEnvelope, attempt: int, received: _Received
    ) -> None:
        if not received.reported:
            await self._report(delivery, envelope, "delivered", attempt)
            received.reported = True

    def _reason(self, error: Exception) -> str:
        """Why a retriable call failed, in words; an adapter bug is logged with its trace."""
        if isinstance(error, RetriableChannelError | TimeoutError):
            return _describe(error, self._timeout)
        log.exception("worker %s: adapter raised", self.channel)
        return f"adapter error: {error!r}"

    async def _retry_or_fail(
        self,
        delivery: Delivery,
        attempt: int,
        reason: str,
        label: str,
        correlation_id: str,
        fail: Callable[[str], Awaitable[None]],
        before_retry: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Send the message to the retry tier of its attempt, or ``fail`` it when the attempts
        are used up. Dispatches and replies take this one path."""
        if attempt >= self._max_attempts:
            await fail(f"{reason}; gave up after {attempt} attempts")
            return
        if before_retry is not None:
            await before_retry()
        delay = self._retry_delays[min(attempt - 1, len(self._retry_delays) - 1)]
        log.info(
            "worker %s: attempt %d of %s failed (%s); retry in %d ms",
            self.channel,
            attempt,
            label,
            reason,
            delay,
        )
        headers = {**delivery.headers, ATTEMPT_HEADER: attempt + 1, LAST_ERROR_HEADER: reason}
        await self._broker.publish(
            [
                OutgoingMessage(
                    exchange=RETRY_EXCHANGE,
                    routing_key=retry_routing_key(self.adapter.channel, delay),
                    body=delivery.body,
                    message_id=delivery.message_id,
                    headers=headers,
                    correlation_id=correlation_id,
                )
            ]
        )
        await delivery.ack()
        metrics.RETRIES.labels(self.channel).inc()

    async def _fail(
        self,
        delivery: Delivery,
        envelope: DispatchEnvelope,
        attempt: int,
        reason: str,
        received: _Received,
    ) -> None:
        log.warning("worker %s: dispatch %s failed: %s", self.channel, envelope.dispatch_id, reason)
        await self._report(delivery, envelope, "failed", attempt, error=reason, received=received)
        await delivery.reject()  # to the channel's dead-letter queue, for inspection and replay
        metrics.DEAD_LETTERS.labels(self.channel).inc()

    async def _report(
        self,
        delivery: Delivery,
        envelope: DispatchEnvelope,
        status: ResultStatus,
        attempt: int,
        *,
        answer: AdapterAnswer | None = None,
        error: str | None = None,
        received: _Received | None = None,
    ) -> None:
        carried = received is not None and not received.reported
        result = DispatchResult(
            message_id=result_message_id(
                envelope.dispatch_id, status, _counter(delivery.headers, REPLAY_HEADER, 0)
            ),
            request_id=envelope.request_id,
            dispatch_id=envelope.dispatch_id,
            correlation_id=envelope.correlation_id,
            channel=envelope.channel,
            status=status,
            outcome=answer.outcome if answer else None,
            answer=answer.answer if answer else None,
            refusal_ground=answer.refusal_ground if answer else None,
            refusal_reason=answer.refusal_reason if answer else None,
            error=error,
            attempts=attempt,
            occurred_at=self._clock(),
            delivered_at=received.at if received is not None and carried else None,
        )
        await self._publish_result(result, envelope.correlation_id, None)

    async def _publish_result(
        self,
        result: DispatchResult | ReplyResult | MessageResult,
        correlation: str,
        kind: str | None,
    ) -> None:
        """A result on the results exchange, confirmed before the delivery is acknowledged;
        ``kind`` (``x-oss-type``) tells the tracker a reply's or a message's from a dispatch's."""
        headers: dict[str, Any] = {context.CORRELATION_HEADER: correlation}
        if kind is not None:
            headers[MESSAGE_TYPE_HEADER] = kind
        await self._broker.publish(
            [
                OutgoingMessage(
                    exchange=RESULTS_EXCHANGE,
                    routing_key=RESULTS_KEY,
                    body=result.model_dump_json().encode(),
                    message_id=str(result.message_id),
                    headers=headers,
                    correlation_id=correlation,
                )
            ]
        )

    # -- replies to partners -----------------------------------------------------------------

    async def _handle_reply(self, delivery: Delivery) -> None:
        try:
            envelope = ReplyEnvelope.model_validate_json(delivery.body)
        except ValidationError as error:
            await self._malformed(delivery, "reply", error)
            return
        attempt = _attempt(delivery.headers)
        self.in_flight += 1
        try:
            await self._process_reply(delivery, envelope, attempt)
        finally:
            self.in_flight -= 1

    async def _process_reply(
        self, delivery: Delivery, envelope: ReplyEnvelope, attempt: int
    ) -> None:
        adapter = self.adapter
        refusal = None
        if not isinstance(adapter, ReceivingAdapter):
            refusal = (
                f"permanent error: the {self.channel} adapter cannot deliver replies "
                "(adapter contract version 1)"
            )

        async def report(
            status: ReplyResultStatus, reference: str | None, error: str | None
        ) -> None:
            await self._report_reply(
                delivery, envelope, status, attempt, reference=reference, error=error
            )

        await self._deliver(
            delivery,
            _Delivering(
                what="reply",
                label=f"reply {envelope.reply_id}",
                channel=envelope.channel,
                correlation_id=envelope.correlation_id,
                attempt=attempt,
                refusal=refusal,
            ),
            lambda: adapter.reply(envelope),  # type: ignore[attr-defined]
            report,
        )

    async def _deliver(
        self,
        delivery: Delivery,
        what: "_Delivering",
        call: Callable[[], Awaitable[ReplyReceipt]],
        report: Callable[[ReplyResultStatus, str | None, str | None], Awaitable[None]],
    ) -> None:
        """One reply or message to the partner: the adapter call under the timeout, then its
        result reported before the delivery is acknowledged; retries and dead letters as for
        a dispatch."""
        log.debug("worker %s: %s, attempt %d", self.channel, what.label, what.attempt)

        async def fail(reason: str) -> None:
            log.warning("worker %s: %s failed: %s", self.channel, what.label, reason)
            await report("failed", None, reason)
            await delivery.reject()  # to the channel's dead-letter queue, like a dispatch
            metrics.DEAD_LETTERS.labels(self.channel).inc()

        if what.refusal is not None:
            await fail(what.refusal)
            return
        if what.channel is not self.adapter.channel:
            await fail(f"permanent error: {what.channel} {what.what} sent to the {self.channel}")
            return
        try:
            receipt = await asyncio.wait_for(call(), self._timeout)
            if not isinstance(receipt, ReplyReceipt):
                raise TypeError(
                    f"{what.what} returned {type(receipt).__qualname__}, not ReplyReceipt"
                )
        except PermanentChannelError as error:
            await fail(f"permanent error: {error}")
        except Exception as error:  # retriable, a timeout, or an adapter bug (retried too)
            reason = self._reason(error)
            await self._retry_or_fail(
                delivery, what.attempt, reason, what.label, what.correlation_id, fail
            )
        else:
            await report("delivered", receipt.partner_message_reference, None)
            await delivery.ack()

    async def _report_reply(
        self,
        delivery: Delivery,
        envelope: ReplyEnvelope,
        status: ReplyResultStatus,
        attempt: int,
        *,
        reference: str | None = None,
        error: str | None = None,
    ) -> None:
        result = ReplyResult(
            message_id=reply_result_message_id(
                envelope.reply_id, status, _counter(delivery.headers, REPLAY_HEADER, 0)
            ),
            reply_id=envelope.reply_id,
            inbound_id=envelope.inbound_id,
            correlation_id=envelope.correlation_id,
            channel=envelope.channel,
            status=status,
            partner_message_reference=reference,
            error=error,
            attempts=attempt,
            occurred_at=self._clock(),
        )
        await self._publish_result(result, envelope.correlation_id, REPLY_RESULT_TYPE)

    # -- messages of conversations (issue 15) ------------------------------------------------

    async def _handle_message(self, delivery: Delivery) -> None:
        try:
            envelope = MessageEnvelope.model_validate_json(delivery.body)
        except ValidationError as error:
            await self._malformed(delivery, "message", error)
            return
        attempt = _attempt(delivery.headers)
        adapter = self.adapter
        refusal = None
        if not isinstance(adapter, ConversingAdapter):
            refusal = (
                f"permanent error: the {self.channel} adapter cannot deliver messages "
                "(adapter contract version 3 needed)"
            )

        async def report(
            status: ReplyResultStatus, reference: str | None, error: str | None
        ) -> None:
            await self._report_message(delivery, envelope, status, attempt, reference, error)

        self.in_flight += 1
        try:
            await self._deliver(
                delivery,
                _Delivering(
                    what="message",
                    label=f"{envelope.type} message {envelope.exchange_message_id}",
                    channel=envelope.channel,
                    correlation_id=envelope.correlation_id,
                    attempt=attempt,
                    refusal=refusal,
                ),
                lambda: adapter.send_message(envelope),  # type: ignore[attr-defined]
                report,
            )
        finally:
            self.in_flight -= 1

    async def _report_message(
        self,
        delivery: Delivery,
        envelope: MessageEnvelope,
        status: ReplyResultStatus,
        attempt: int,
        reference: str | None,
        error: str | None,
    ) -> None:
        result = MessageResult(
            message_id=message_result_message_id(
                envelope.exchange_message_id, status, _counter(delivery.headers, REPLAY_HEADER, 0)
            ),
            exchange_message_id=envelope.exchange_message_id,
            correlation_id=envelope.correlation_id,
            channel=envelope.channel,
            status=status,
            partner_message_reference=reference,
            error=error,
            attempts=attempt,
            occurred_at=self._clock(),
        )
        await self._publish_result(result, envelope.correlation_id, MESSAGE_RESULT_TYPE)

    # -- simulation orders (stub partners) ---------------------------------------------------

    async def _handle_simulation(self, delivery: Delivery) -> None:
        try:
            order = SimulationOrder.model_validate_json(delivery.body)
        except ValidationError as error:
            await self._malformed(delivery, "simulation order", error)
            return
        adapter = self.adapter
        if not isinstance(adapter, PartnerSimulator) or order.channel is not adapter.channel:
            log.warning(
                "worker %s: simulation order %s ignored: this adapter plays no partner",
                self.channel,
                order.message_id,
            )
            await delivery.ack()
            return
        queued = await adapter.simulate(order)  # raises: the order goes back to the queue
        log.info(
            "worker %s: the stub partner queued %d simulated request(s) (order %s)",
            self.channel,
            queued,
            order.message_id,
        )
        await delivery.ack()


def _attempt(headers: Any) -> int:
    return max(1, _counter(headers, ATTEMPT_HEADER, 1))


def _counter(headers: Any, name: str, default: int) -> int:
    try:
        return max(0, int(headers.get(name, default)))
    except (TypeError, ValueError):
        return default


def _describe(error: Exception, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"channel did not answer within {timeout:g} s"
    return f"retriable error: {error}"

"""The worker's receive loop: what partners send through the channel, into our broker.

Ask the adapter for what the partners sent (a long poll: ``receive`` waits on the channel, not
on a timer), publish each message to the ``oss_router.inbound`` exchange (persistent, and
confirmed by the broker), and only then acknowledge the messages to the channel. A crash at any
point loses nothing: what was not acknowledged the channel offers again, and the registrar
registers a message offered twice once (its id and its (channel, partner reference) are the
same both times). Bounded: at most ``batch_size`` messages are held at once.

At rest it costs about nothing: one pending ``receive`` call per channel. A channel that cannot
wait (``receive`` returns ``[]`` at once) is asked again after a back-off that doubles up to
``idle_max_seconds``; channel or broker errors back off the same way.
"""

import asyncio
import logging
import time
from collections.abc import Sequence

from oss_router.aio import first_completed, wait_event
from oss_router.broker.contract import Broker, BrokerError, OutgoingMessage
from oss_router.broker.topology import INBOUND_EXCHANGE, INBOUND_KEY
from oss_router.channel.contract import ReceivingAdapter
from oss_router.messages.inbound import PartnerMessage
from oss_router.telemetry import context, metrics

log = logging.getLogger(__name__)

IDLE_MIN_SECONDS = 0.05


class ChannelReceiver:
    def __init__(
        self,
        adapter: ReceivingAdapter,
        broker: Broker,
        *,
        batch_size: int = 50,
        wait_seconds: float = 20.0,
        idle_max_seconds: float = 5.0,
    ) -> None:
        self.adapter = adapter
        self._broker = broker
        self._batch_size = batch_size
        self._wait = wait_seconds
        self._idle_max = idle_max_seconds
        self.received = 0  # published and acknowledged (observability, tests)
        self.polls = 0  # receive calls made (tests: the loop does not spin at rest)

    @property
    def channel(self) -> str:
        return str(self.adapter.channel)

    async def run(self, stop: asyncio.Event) -> None:
        with context.bound(None, f"receiver:{self.channel}"):
            pause = 0.0
            while not stop.is_set():
                if pause and await wait_event(stop, pause):
                    return
                pause = await self._round(stop, pause)

    async def _round(self, stop: asyncio.Event, pause: float) -> float:
        """One receive, publish, acknowledge; returns the pause before the next round."""
        started = time.monotonic()
        try:
            messages = await self._receive(stop)
        except Exception as error:  # a channel that fails must not end the loop
            log.warning("receiver %s: the channel failed: %r; trying again", self.channel, error)
            return _longer(pause, self._idle_max)
        if messages is None:  # stopping
            return 0.0
        if not messages:
            waited = time.monotonic() - started
            # A long poll that waited costs nothing to repeat; one that returned at once does.
            return 0.0 if waited >= self._wait / 2 else _longer(pause, self._idle_max)
        try:
            await self._hand_over(messages)
        except BrokerError as error:
            # Not acknowledged: the channel offers the messages again after the pause.
            log.warning(
                "receiver %s: %d message(s) not published: %s; the channel keeps them",
                self.channel,
                len(messages),
                error,
            )
            return _longer(pause, self._idle_max)
        return 0.0

    async def _receive(self, stop: asyncio.Event) -> Sequence[PartnerMessage] | None:
        """The adapter's next messages, or None once ``stop`` is set (the pending receive is
        cancelled: anything it was about to return stays unacknowledged at the channel)."""
        self.polls += 1
        call = asyncio.ensure_future(
            self.adapter.receive(self._batch_size, wait_seconds=self._wait)
        )
        if await first_completed(asyncio.shield(call), stop.wait()) == 1:
            call.cancel()
            return None
        return call.result()

    async def _hand_over(self, messages: Sequence[PartnerMessage]) -> None:
        await self._broker.publish([_outgoing(message) for message in messages])
        # Confirmed by the broker: now the channel may forget them. An acknowledgement that
        # fails leaves them at the channel, which offers them again: a duplicate, not a loss.
        try:
            await self.adapter.acknowledge([message.message_id for message in messages])
        except Exception as error:
            log.warning(
                "receiver %s: acknowledging %d message(s) failed: %r; they will come again",
                self.channel,
                len(messages),
                error,
            )
        self.received += len(messages)
        metrics.INBOUND_RECEIVED.labels(self.channel).inc(len(messages))
        log.debug("receiver %s: %d message(s) handed over", self.channel, len(messages))


def _outgoing(message: PartnerMessage) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=INBOUND_EXCHANGE,
        routing_key=INBOUND_KEY,
        body=message.model_dump_json().encode(),
        message_id=str(message.message_id),
        headers={context.CORRELATION_HEADER: message.correlation_id},
        correlation_id=message.correlation_id,
    )


def _longer(pause: float, most: float) -> float:
    return min(most, max(IDLE_MIN_SECONDS, pause * 2))

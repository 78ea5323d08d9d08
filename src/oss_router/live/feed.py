"""The gateway's subscription to the status fan-out exchange, feeding the in-process hub.

The gateway consumes the exchange only while a stream listens (``listening``): with no screen
open, every notice would cost the broker a copy routed to this gateway's queue and the gateway
a delivery, a decode and an ack, for nobody (decision 0035). The subscription opens when the
first stream connects (before its ``ready`` frame, so that a stream hears of every change after
it) and closes ``idle_seconds`` after the last one went; the grace spares the broker a queue
per reconnection (a stream ends every few minutes and its client reconnects at once).
"""

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.broker.contract import Consumer, Delivery
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.cases import repository as cases
from oss_router.inbound import reply_repository as received
from oss_router.live.hub import LiveEvent, LiveHub, Subscription
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER
from oss_router.messages.status import (
    CASE_NOTICES_TYPE,
    INBOUND_NOTICES_TYPE,
    CaseNotices,
    InboundNotices,
    StatusNotice,
    StatusNotices,
)
from oss_router.request import repository as requests
from oss_router.runtime import Runtime

log = logging.getLogger(__name__)

UNIT_CACHE_SIZE = 10_000
# How long the subscription outlives the last stream: longer than a client takes to reconnect.
IDLE_SECONDS = 60.0


class LiveFeed:
    def __init__(
        self, runtime: Runtime, hub: LiveHub, *, idle_seconds: float = IDLE_SECONDS
    ) -> None:
        self._runtime = runtime
        self.hub = hub
        self._idle_seconds = idle_seconds
        # A request's (or a case's) unit never changes, so a bounded cache of it is right.
        self._units: OrderedDict[UUID, str | None] = OrderedDict()
        self._consumer: Consumer | None = None
        self._opening = asyncio.Lock()
        self._closing: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def consuming(self) -> bool:
        return self._consumer is not None

    async def start(self) -> None:
        """Consume the exchange now (``listening`` does it when a stream first needs it).
        Raises ``BrokerError`` when the broker cannot be reached."""
        self._cancel_closing()
        async with self._opening:
            if self._consumer is None:
                self._consumer = await self._runtime.broker.subscribe(STATUS_EXCHANGE, self.handle)

    @contextlib.contextmanager
    def listening(self, unit_filter: str | None = None) -> Iterator[Subscription]:
        """A stream's subscription to the hub (call ``start`` first); the last one to end
        closes the exchange's subscription after ``idle_seconds``."""
        try:
            with self.hub.subscribe(unit_filter) as subscription:
                yield subscription
        finally:
            if self.hub.size == 0 and not self._stopped:
                self._cancel_closing()
                self._closing = asyncio.create_task(self._close_when_idle())

    async def _close_when_idle(self) -> None:
        await asyncio.sleep(self._idle_seconds)
        self._closing = None  # past the grace: a new stream waits for the lock, then reopens
        async with self._opening:
            if self.hub.size == 0:
                await self._cancel_consumer()

    def _cancel_closing(self) -> None:
        if self._closing is not None:
            self._closing.cancel()
            self._closing = None

    async def stop(self) -> None:
        self._stopped = True
        self._cancel_closing()
        self.hub.close()
        await self._cancel_consumer()

    async def _cancel_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        try:
            await consumer.cancel()
        except Exception:  # the broker may already be gone at shutdown
            log.debug("live: status subscription already closed")

    async def handle(self, delivery: Delivery) -> None:
        # Notices are transient hints; settle first so that no failure here can loop them.
        await delivery.ack()
        if delivery.headers.get(MESSAGE_TYPE_HEADER) == INBOUND_NOTICES_TYPE:
            await self._inbound(delivery)
            return
        if delivery.headers.get(MESSAGE_TYPE_HEADER) == CASE_NOTICES_TYPE:
            await self._cases(delivery)
            return
        notices = _notices_in(delivery.body)
        if notices is None:
            log.warning("live: malformed status notice %s ignored", delivery.message_id)
            return
        for notice in notices:
            unit = await self._unit_of(notice.request_id) if self.hub.needs_units else None
            self.hub.publish(LiveEvent(notice, unit))

    async def _inbound(self, delivery: Delivery) -> None:
        try:
            notices = InboundNotices.model_validate_json(delivery.body).notices
        except ValidationError:
            log.warning("live: malformed inbound notice %s ignored", delivery.message_id)
            return
        for notice in notices:
            unit = await self._inbound_unit(notice.inbound_id) if self.hub.needs_units else None
            self.hub.publish(LiveEvent(notice, unit))

    async def _cases(self, delivery: Delivery) -> None:
        try:
            notices = CaseNotices.model_validate_json(delivery.body).notices
        except ValidationError:
            log.warning("live: malformed case notice %s ignored", delivery.message_id)
            return
        for notice in notices:
            unit = (
                await self._cached_unit(notice.case_id, cases.unit_of)
                if self.hub.needs_units
                else None
            )
            self.hub.publish(LiveEvent(notice, unit))

    async def _unit_of(self, request_id: UUID) -> str | None:
        return await self._cached_unit(request_id, requests.unit_of)

    async def _inbound_unit(self, inbound_id: UUID) -> str | None:
        return await self._cached_unit(inbound_id, received.unit_of)

    async def _cached_unit(
        self, key: UUID, read: Callable[[AsyncSession, UUID], Awaitable[str | None]]
    ) -> str | None:
        """The unit of a request, a received request or a case (uuid4 ids: one cache serves
        them all)."""
        if key in self._units:
            self._units.move_to_end(key)
            return self._units[key]
        try:
            async with self._runtime.sessions() as session:
                unit = await read(session, key)
        except Exception:
            log.warning("live: unit of %s unknown; notice withheld from unit streams", key)
            return None
        self._remember(key, unit)
        return unit

    def _remember(self, request_id: UUID, unit: str | None) -> None:
        self._units[request_id] = unit
        if len(self._units) > UNIT_CACHE_SIZE:
            self._units.popitem(last=False)


def _notices_in(body: bytes) -> list[StatusNotice] | None:
    """The notices of a ``StatusNotices`` batch; a lone ``StatusNotice`` (what processes of
    earlier versions publish, during a rolling upgrade) is a batch of one. None if malformed."""
    try:
        return StatusNotices.model_validate_json(body).notices
    except ValidationError:
        pass
    try:
        return [StatusNotice.model_validate_json(body)]
    except ValidationError:
        return None

"""The gateway's subscription to the status fan-out exchange, feeding the in-process hub."""

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.broker.contract import Consumer, Delivery
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.cases import repository as cases
from oss_router.inbound import reply_repository as received
from oss_router.live.hub import LiveEvent, LiveHub
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


class LiveFeed:
    def __init__(self, runtime: Runtime, hub: LiveHub) -> None:
        self._runtime = runtime
        self.hub = hub
        # A request's (or a case's) unit never changes, so a bounded cache of it is right.
        self._units: OrderedDict[UUID, str | None] = OrderedDict()
        self._consumer: Consumer | None = None

    async def start(self) -> None:
        self._consumer = await self._runtime.broker.subscribe(STATUS_EXCHANGE, self.handle)

    async def stop(self) -> None:
        self.hub.close()
        if self._consumer is not None:
            try:
                await self._consumer.cancel()
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

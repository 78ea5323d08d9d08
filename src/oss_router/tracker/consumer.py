"""Consumes the results queue and applies each message through ``tracker.service``."""

import logging

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from oss_router.broker.contract import Broker, Consumer, Delivery, OutgoingMessage
from oss_router.broker.topology import RESULTS_QUEUE, STATUS_EXCHANGE
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker, unit_of_work
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.messages.result import DispatchResult
from oss_router.messages.status import StatusNotice
from oss_router.models import ExchangeRequest
from oss_router.tracker.service import apply_result

log = logging.getLogger(__name__)


class Tracker:
    def __init__(
        self, sessions: SessionMaker, broker: Broker, *, prefetch: int = 100, clock: Clock = utcnow
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._prefetch = prefetch
        self._clock = clock

    async def start(self) -> Consumer:
        return await self._broker.consume(RESULTS_QUEUE, self.handle, prefetch=self._prefetch)

    async def handle(self, delivery: Delivery) -> None:
        try:
            result = DispatchResult.model_validate_json(delivery.body)
        except ValidationError as error:
            log.error("tracker: malformed result %s dead-lettered: %s", delivery.message_id, error)
            await delivery.reject()
            return
        try:
            notice = await self._apply(result)
        except SQLAlchemyError:
            log.exception("tracker: database error on %s; message requeued", result.message_id)
            await delivery.nack(requeue=True)
            return
        await delivery.ack()
        if notice is not None:
            await self._notify(notice)

    async def _apply(self, result: DispatchResult) -> StatusNotice | None:
        try:
            async with unit_of_work(self._sessions) as session:
                request = await apply_result(session, result, self._clock())
                return _notice(request, result) if request is not None else None
        except IntegrityError:
            # Another tracker applied the same message concurrently: the inbox row collided.
            return None

    async def _notify(self, notice: StatusNotice) -> None:
        message = OutgoingMessage(
            exchange=STATUS_EXCHANGE,
            routing_key="",
            body=notice.model_dump_json().encode(),
            message_id=f"{notice.request_id}:{notice.dispatch_id}:{notice.dispatch_status}",
            mandatory=False,
        )
        try:
            await self._broker.publish([message])
        except Exception:  # live screens also poll; a lost notice is not a lost request
            log.warning("tracker: status notice for %s not published", notice.request_id)


def _notice(request: ExchangeRequest, result: DispatchResult) -> StatusNotice:
    return StatusNotice(
        request_id=request.id,
        request_status=RequestStatus(request.status),
        dispatch_id=result.dispatch_id,
        dispatch_status=DispatchStatus(result.status),
        at=result.occurred_at,
    )

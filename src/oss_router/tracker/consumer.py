"""Consumes the results queue and applies each message through ``tracker.service``."""

import logging

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from oss_router.broker.contract import Broker, Consumer, Delivery
from oss_router.broker.topology import RESULTS_QUEUE
from oss_router.clock import Clock, utcnow
from oss_router.db import SessionMaker, unit_of_work
from oss_router.messages.codes import DispatchStatus, RequestStatus
from oss_router.messages.result import DispatchResult
from oss_router.messages.status import StatusNotice
from oss_router.models import ExchangeRequest
from oss_router.telemetry import context, metrics
from oss_router.telemetry.logs import describe_validation_error
from oss_router.tracker.notices import publish_notices
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
        correlation = context.from_headers(delivery.headers, delivery.correlation_id)
        with context.bound(correlation, "tracker"):
            await self._handle(delivery)

    async def _handle(self, delivery: Delivery) -> None:
        try:
            result = DispatchResult.model_validate_json(delivery.body)
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
        try:
            notice = await self._apply(result)
        except SQLAlchemyError:
            log.exception("tracker: database error on %s; message requeued", result.message_id)
            metrics.RESULTS.labels("requeued").inc()
            await delivery.nack(requeue=True)
            return
        await delivery.ack()
        self._log_outcome(result, applied=notice is not None)
        if notice is not None:
            await publish_notices(self._broker, [notice])

    @staticmethod
    def _log_outcome(result: DispatchResult, *, applied: bool) -> None:
        metrics.RESULTS.labels("applied" if applied else "ignored").inc()
        log.info(
            "tracker: dispatch %s %s %s",
            result.dispatch_id,
            result.status,
            "applied" if applied else "ignored (duplicate or stale)",
            extra={"dispatch_id": str(result.dispatch_id), "status": result.status},
        )

    async def _apply(self, result: DispatchResult) -> StatusNotice | None:
        try:
            async with unit_of_work(self._sessions) as session:
                request = await apply_result(session, result, self._clock())
                return _notice(request, result) if request is not None else None
        except IntegrityError:
            # Another tracker applied the same message concurrently: the inbox row collided.
            return None


def _notice(request: ExchangeRequest, result: DispatchResult) -> StatusNotice:
    return StatusNotice(
        request_id=request.id,
        request_status=RequestStatus(request.status),
        dispatch_id=result.dispatch_id,
        dispatch_status=DispatchStatus(result.status),
        at=result.occurred_at,
    )

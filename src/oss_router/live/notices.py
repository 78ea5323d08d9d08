"""Publishing status notices to the fan-out exchange that live screens listen to.

Every role that changes a request publishes them: the tracker for channel results, the
deadline watch for its flags, the dead-letter commands for replays, and the gateway for the
changes it makes itself (``UnitOfWork.notices``, once its transaction has committed, so that no
screen hears of a request that was rolled back).
"""

import asyncio
import logging
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from oss_router.broker.contract import Broker, OutgoingMessage
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER
from oss_router.messages.status import (
    CASE_NOTICES_TYPE,
    INBOUND_NOTICES_TYPE,
    CaseNotice,
    CaseNotices,
    InboundNotice,
    InboundNotices,
    StatusNotice,
    StatusNotices,
)

Notice = StatusNotice | InboundNotice | CaseNotice
N = TypeVar("N", StatusNotice, InboundNotice, CaseNotice)

log = logging.getLogger(__name__)

# Notices per message: a tracker batch, a sweep of the deadline watch or the gateway's backlog
# stays far below RabbitMQ's message size limit (a notice is about 250 bytes).
MAX_NOTICES_PER_MESSAGE = 500


def status_messages(notices: Sequence[Notice]) -> list[OutgoingMessage]:
    """The notices as few messages as possible, in order within each kind: ``StatusNotices``
    batches (as before inbound requests existed, byte for byte), then ``InboundNotices`` and
    ``CaseNotices`` batches, each with its ``x-oss-type`` header."""
    requests = [notice for notice in notices if isinstance(notice, StatusNotice)]
    inbound = [notice for notice in notices if isinstance(notice, InboundNotice)]
    messages = [
        _message(StatusNotices(notices=chunk).model_dump_json().encode(), {})
        for chunk in _chunks(requests)
    ]
    headers = {MESSAGE_TYPE_HEADER: INBOUND_NOTICES_TYPE}
    messages += [
        _message(InboundNotices(notices=chunk).model_dump_json().encode(), headers)
        for chunk in _chunks(inbound)
    ]
    cases = [notice for notice in notices if isinstance(notice, CaseNotice)]
    case_headers = {MESSAGE_TYPE_HEADER: CASE_NOTICES_TYPE}
    messages += [
        _message(CaseNotices(notices=chunk).model_dump_json().encode(), case_headers)
        for chunk in _chunks(cases)
    ]
    return messages


def _chunks(notices: list[N]) -> Iterator[list[N]]:
    for start in range(0, len(notices), MAX_NOTICES_PER_MESSAGE):
        yield notices[start : start + MAX_NOTICES_PER_MESSAGE]


def _message(body: bytes, headers: dict[str, Any]) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=STATUS_EXCHANGE,
        routing_key="",
        body=body,
        message_id=f"notices:{uuid.uuid4().hex}",
        headers=headers,
        mandatory=False,
    )


async def publish_notices(broker: Broker, notices: Sequence[Notice]) -> None:
    """Best effort: live screens also poll, so a lost notice is not a lost request."""
    if not notices:
        return
    try:
        await broker.publish(status_messages(notices))
    except Exception as error:
        log.warning("%d status notice(s) not published: %s", len(notices), error)


class NoticePublisher:
    """Publishes staged notices in the background, coalescing those staged meanwhile.

    The gateway answers without waiting for the broker's confirm of a best-effort notice, and
    under load one publish (one confirm round trip) carries the notices of many requests
    instead of one each. One drain task at a time keeps this process's notices in order.
    """

    MAX_BATCH = MAX_NOTICES_PER_MESSAGE

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._pending: list[Notice] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        self._pending.extend(notices)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="status-notices")

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self.MAX_BATCH]
            del self._pending[: self.MAX_BATCH]
            await publish_notices(self._broker, batch)  # logs and drops on failure

    async def flush(self) -> None:
        """Wait until every submitted notice was published (or given up): before shutdown."""
        while self._task is not None and not self._task.done():
            await self._task

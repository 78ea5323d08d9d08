"""Status notices the gateway itself causes (intake, cancellation), published after commit.

The tracker publishes the notices of channel results; the gateway publishes those of the
changes it makes (``UnitOfWork.notices``), once its transaction has committed, so that no
screen hears of a request that was rolled back.
"""

import asyncio

from oss_router.broker.contract import Broker
from oss_router.messages.status import StatusNotice
from oss_router.tracker.notices import MAX_NOTICES_PER_MESSAGE, publish_notices


class NoticePublisher:
    """Publishes staged notices in the background, coalescing those staged meanwhile.

    The gateway answers without waiting for the broker's confirm of a best-effort notice, and
    under load one publish (one confirm round trip) carries the notices of many requests
    instead of one each. One drain task at a time keeps this process's notices in order.
    """

    MAX_BATCH = MAX_NOTICES_PER_MESSAGE

    def __init__(self, broker: Broker) -> None:
        self._broker = broker
        self._pending: list[StatusNotice] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, notices: list[StatusNotice]) -> None:
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

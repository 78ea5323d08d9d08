"""In-process fan-out of status notices to the streams connected to this gateway.

Each stream gets a bounded queue. A stream that falls behind is dropped rather than allowed to
grow without limit or slow the others: its client reconnects and re-reads the queue through the
API, so nothing is lost for the officer, only one refresh is spent.
"""

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from oss_router.messages.status import CaseNotice, InboundNotice, StatusNotice

Notice = StatusNotice | InboundNotice | CaseNotice


@dataclass(frozen=True)
class LiveEvent:
    """A notice with the unit of its request (known only to the hub, never sent out)."""

    notice: Notice
    unit: str | None


class Subscription:
    """One connected stream; ``None`` on the queue means the hub closed it."""

    def __init__(self, unit_filter: str | None, capacity: int) -> None:
        self.unit_filter = unit_filter
        self.queue: asyncio.Queue[Notice | None] = asyncio.Queue(maxsize=capacity)
        self.dropped = False

    def wants(self, event: LiveEvent) -> bool:
        return self.unit_filter is None or event.unit == self.unit_filter

    def offer(self, notice: Notice) -> bool:
        """Queue ``notice``; False when the stream is too slow and must be dropped."""
        try:
            self.queue.put_nowait(notice)
        except asyncio.QueueFull:
            return False
        return True

    def close(self, *, dropped: bool) -> None:
        self.dropped = dropped
        while not self.queue.empty():  # make room for the end-of-stream marker
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass
class LiveHub:
    capacity: int = 256
    _subscriptions: set[Subscription] = field(default_factory=set)

    @property
    def size(self) -> int:
        return len(self._subscriptions)

    @property
    def needs_units(self) -> bool:
        """Whether some stream is restricted to one unit (a PCCC), so notices need their unit."""
        return any(sub.unit_filter is not None for sub in self._subscriptions)

    @contextlib.contextmanager
    def subscribe(self, unit_filter: str | None = None) -> Iterator[Subscription]:
        subscription = Subscription(unit_filter, self.capacity)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def publish(self, event: LiveEvent) -> None:
        for subscription in list(self._subscriptions):
            if subscription.wants(event) and not subscription.offer(event.notice):
                self._subscriptions.discard(subscription)
                subscription.close(dropped=True)

    def close(self) -> None:
        """End every stream (the gateway is stopping)."""
        for subscription in list(self._subscriptions):
            subscription.close(dropped=False)
        self._subscriptions.clear()

"""Calls per dispatch, counted in one adapter instance."""

from collections import OrderedDict
from uuid import UUID


class AttemptCounter:
    """Bounded, so a long-running worker does not grow without limit: past ``capacity``
    dispatches, the least recently seen is forgotten (and would count from 1 again)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._counts: OrderedDict[UUID, int] = OrderedDict()

    def next(self, dispatch_id: UUID) -> int:
        """Count one more call for ``dispatch_id`` and return its number (1 for the first)."""
        count = self._counts.pop(dispatch_id, 0) + 1
        self._counts[dispatch_id] = count
        if len(self._counts) > self._capacity:
            self._counts.popitem(last=False)
        return count

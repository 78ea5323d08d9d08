"""In-process token buckets: per principal, and per client address for unauthenticated calls.

Each gateway process keeps its own buckets, so with N replicas behind a load balancer a client
gets up to N times the configured rate (README "Security"). That is a deliberate trade: the
limit protects each process from being flooded, without a shared store on the request path.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from oss_router.errors import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``rate`` tokens per second, at most ``burst`` saved up, one bucket per key.

    The least recently used buckets are forgotten past ``max_keys`` (a forgotten key starts
    again with a full bucket), so that a flood of distinct keys cannot exhaust memory.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait_seconds(self, key: str) -> float:
        """Take one token for ``key``: 0 when granted, else how long until one is available."""
        now = self._clock()
        bucket = self._bucket(key, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def check(self, key: str) -> None:
        """Take one token or raise a ``429`` problem with ``Retry-After``."""
        wait = self.wait_seconds(key)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"too many requests; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket

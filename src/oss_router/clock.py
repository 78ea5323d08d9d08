"""Time, injectable so that deadlines and the deadline watch can be tested on a frozen clock."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)

"""Test hooks carried in the envelope's ``reference``, for the runtime's retry and timeout tests.

``stub:retriable=N``  RetriableChannelError on the first N calls for the dispatch, then answers
``stub:permanent``    PermanentChannelError on every call
``stub:slow=MS``      waits MS milliseconds (instead of the configured latency), then answers

Any other reference starting with ``stub:`` is a typo in a test and fails permanently, loudly.
"""

import re
from dataclasses import dataclass

from oss_router.channel.contract import PermanentChannelError

PREFIX = "stub:"
_HOOK = re.compile(
    r"stub:(?:(?P<permanent>permanent)|retriable=(?P<retriable>[0-9]+)|slow=(?P<slow>[0-9]+))"
)


@dataclass(frozen=True)
class Hook:
    permanent: bool = False
    retriable: int = 0
    slow_ms: int | None = None


NO_HOOK = Hook()


def parse_hook(reference: str | None) -> Hook:
    if reference is None or not reference.startswith(PREFIX):
        return NO_HOOK
    match = _HOOK.fullmatch(reference)
    if match is None:
        raise PermanentChannelError(f"unknown stub hook {reference!r}")
    return Hook(
        permanent=match["permanent"] is not None,
        retriable=int(match["retriable"] or 0),
        slow_ms=int(match["slow"]) if match["slow"] is not None else None,
    )

"""Server-sent events framing of one subscription."""

import asyncio
import json
import time
from collections.abc import AsyncIterator

from oss_router.live.hub import Subscription
from oss_router.messages.status import CaseNotice, InboundNotice

RECONNECT_MS = 3000


def frame(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


async def sse_frames(
    subscription: Subscription, *, heartbeat_seconds: float, max_seconds: float
) -> AsyncIterator[str]:
    """``ready`` first, then one ``status`` frame per notice about an exchange request and one
    ``inbound`` frame per notice about a request received from a partner and one ``case``
    frame per notice about a case's own thread (event names of their own: clients of the
    ``status`` frames read them as before), comments as heartbeats.

    The stream ends by itself after ``max_seconds`` (the client reconnects), so a gateway can
    always stop and no connection outlives a token for long.
    """
    yield f"retry: {RECONNECT_MS}\n" + frame("ready", "{}")
    ends_at = time.monotonic() + max_seconds
    while (left := ends_at - time.monotonic()) > 0:
        try:
            notice = await asyncio.wait_for(
                subscription.queue.get(), timeout=min(heartbeat_seconds, left)
            )
        except TimeoutError:
            yield ": keep-alive\n\n"
            continue
        if notice is None:
            reason = "too_slow" if subscription.dropped else "shutdown"
            yield frame("closing", json.dumps({"reason": reason}))
            return
        kind = (
            "inbound"
            if isinstance(notice, InboundNotice)
            else "case"
            if isinstance(notice, CaseNotice)
            else "status"
        )
        yield frame(kind, notice.model_dump_json())
    yield frame("closing", json.dumps({"reason": "max_age"}))

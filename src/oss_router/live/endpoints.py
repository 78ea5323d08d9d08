"""``GET /v1/stream``: status changes as server-sent events, for the live screens."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from oss_router.auth.principal import Principal, Role
from oss_router.broker.contract import BrokerError
from oss_router.deps import RuntimeDep, require_roles
from oss_router.errors import ServiceUnavailable
from oss_router.live.feed import LiveFeed
from oss_router.live.stream import sse_frames

router = APIRouter(prefix="/v1", tags=["live"])

Listener = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.PCCC))]

EVENT_STREAM = "text/event-stream"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {EVENT_STREAM: {}}, "description": "status notices (SSE)"},
        503: {"description": "The message broker cannot be reached now (Retry-After)"},
    },
)
async def stream(request: Request, principal: Listener, runtime: RuntimeDep) -> StreamingResponse:
    """Events: ``ready`` once, ``status`` (a StatusNotice) per change, ``closing`` at the end.

    A PCCC hears only of its own unit's requests. Notices carry ids and statuses, no personal
    data: the client reads the changed requests through the API.
    """
    feed: LiveFeed = request.app.state.live_feed
    unit_filter = (principal.unit or "") if principal.role is Role.PCCC else None
    settings = runtime.settings
    try:
        await feed.start()  # before ``ready``: from then on the stream hears of every change
    except BrokerError:
        raise ServiceUnavailable(
            "live notices cannot be followed now: the message broker cannot be reached",
            headers={"Retry-After": "5"},
        ) from None

    async def body() -> AsyncIterator[str]:
        with feed.listening(unit_filter) as subscription:
            async for chunk in sse_frames(
                subscription,
                heartbeat_seconds=settings.live_heartbeat_seconds,
                max_seconds=settings.live_stream_max_seconds,
            ):
                yield chunk

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type=EVENT_STREAM, headers=headers)

"""``GET /v1/stream``: status changes as server-sent events, for the live screens."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from oss_router.auth.principal import Principal, Role
from oss_router.deps import RuntimeDep, require_roles
from oss_router.live.hub import LiveHub
from oss_router.live.stream import sse_frames

router = APIRouter(prefix="/v1", tags=["live"])

Listener = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.PCCC))]

EVENT_STREAM = "text/event-stream"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {EVENT_STREAM: {}}, "description": "status notices (SSE)"}},
)
async def stream(request: Request, principal: Listener, runtime: RuntimeDep) -> StreamingResponse:
    """Events: ``ready`` once, ``status`` (a StatusNotice) per change, ``closing`` at the end.

    A PCCC hears only of its own unit's requests. Notices carry ids and statuses, no personal
    data: the client reads the changed requests through the API.
    """
    hub: LiveHub = request.app.state.live_hub
    unit_filter = (principal.unit or "") if principal.role is Role.PCCC else None
    settings = runtime.settings

    async def body() -> AsyncIterator[str]:
        with hub.subscribe(unit_filter) as subscription:
            async for chunk in sse_frames(
                subscription,
                heartbeat_seconds=settings.live_heartbeat_seconds,
                max_seconds=settings.live_stream_max_seconds,
            ):
                yield chunk

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type=EVENT_STREAM, headers=headers)

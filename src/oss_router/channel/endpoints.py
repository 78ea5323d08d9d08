"""``GET /v1/channels``: is each channel's adapter loaded and healthy, and what is waiting."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from oss_router.auth.principal import Principal, Role
from oss_router.broker.contract import BrokerError
from oss_router.broker.topology import dead_letter_queue, dispatch_queue
from oss_router.channel import repository
from oss_router.channel.registry import installed_channels
from oss_router.deps import RuntimeDep, SessionDep, require_roles
from oss_router.errors import ServiceUnavailable
from oss_router.messages.codes import Channel

router = APIRouter(prefix="/v1", tags=["channels"])

Desk = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR))]


class ChannelRead(BaseModel):
    channel: Channel
    adapter_loaded: bool
    healthy: bool
    consumers: int
    queued: int
    in_flight: int
    dead_lettered: int


@router.get("/channels", response_model=list[ChannelRead])
async def list_channels(runtime: RuntimeDep, session: SessionDep, _desk: Desk) -> list[ChannelRead]:
    installed = installed_channels()
    in_flight = await repository.in_flight_by_channel(session)
    rows = []
    for channel in runtime.settings.channels:
        try:
            queue = await runtime.broker.queue_stats(dispatch_queue(channel))
            dead = await runtime.broker.queue_stats(dead_letter_queue(channel))
        except BrokerError:
            raise ServiceUnavailable("the message broker cannot be reached now") from None
        worker = runtime.workers.get(channel)
        healthy = await worker.adapter.health() if worker else queue.consumers > 0
        rows.append(
            ChannelRead(
                channel=channel,
                adapter_loaded=channel in installed,
                healthy=healthy and runtime.broker.is_connected,
                consumers=queue.consumers,
                queued=queue.messages,
                in_flight=in_flight.get(channel, 0),
                dead_lettered=dead.messages,
            )
        )
    return rows

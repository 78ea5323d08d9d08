"""``POST /v1/simulate/inbound``: the embedded deployment's way to tell a stub partner to send
(``oss-router simulate inbound`` calls it). Supervisors only; off in production unless
``OSS_ROUTER_SIMULATION`` says otherwise (then 404, as if it did not exist)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from oss_router.auth.principal import Principal, Role
from oss_router.broker.contract import BrokerError
from oss_router.deps import NowDep, RuntimeDep, require_roles
from oss_router.errors import FieldError, NotFound, ServiceUnavailable, ValidationFailed
from oss_router.input import InputModel
from oss_router.messages.codes import Channel
from oss_router.messages.inbound import ReceivingChannel
from oss_router.messages.simulation import MAX_SIMULATED
from oss_router.simulation.orders import new_order, publish_order

router = APIRouter(prefix="/v1", tags=["simulation"])

Supervisor = Annotated[Principal, Depends(require_roles(Role.SUPERVISOR))]


class SimulationBody(InputModel):
    channel: ReceivingChannel = Field(description="The channel whose stub partner sends")
    count: int = Field(ge=1, le=MAX_SIMULATED, description="How many requests it sends now")
    urgent: bool = Field(default=False, description="Every request urgent (else some are)")


class SimulationAccepted(BaseModel):
    order_id: UUID
    channel: Channel
    count: int


@router.post(
    "/simulate/inbound",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SimulationAccepted,
    responses={
        404: {"description": "Simulation is off in this deployment"},
        422: {"description": "The channel is not configured, or the body is invalid"},
        503: {"description": "The message broker cannot be reached now"},
    },
    summary="Make a channel's stub partner send requests now",
)
async def simulate_inbound(
    body: SimulationBody, runtime: RuntimeDep, now: NowDep, _who: Supervisor
) -> SimulationAccepted:
    if not runtime.settings.simulation_enabled:
        raise NotFound("simulation is off in this deployment")
    if body.channel not in runtime.settings.channels:
        raise ValidationFailed(
            "The channel is not configured in this deployment.",
            errors=[FieldError("channel", f"{body.channel} is not configured")],
        )
    order = new_order(body.channel, body.count, urgent=body.urgent, now=now)
    try:
        await publish_order(runtime.broker, order)
    except BrokerError:
        raise ServiceUnavailable("the message broker cannot be reached now") from None
    return SimulationAccepted(order_id=order.message_id, channel=order.channel, count=order.count)

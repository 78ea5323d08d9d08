"""A simulation order and its way to the channel's worker: the channel's dispatch queue, with
``MESSAGE_TYPE_HEADER`` = ``simulate`` (``channel/worker.py`` hands it to the stub partner)."""

import uuid
from datetime import datetime

from oss_router.broker.contract import Broker, OutgoingMessage
from oss_router.broker.topology import DISPATCH_EXCHANGE
from oss_router.messages.codes import Channel
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER
from oss_router.messages.simulation import SIMULATE_TYPE, SimulationOrder
from oss_router.telemetry import context


def new_order(channel: Channel, count: int, *, urgent: bool, now: datetime) -> SimulationOrder:
    return SimulationOrder(
        message_id=uuid.uuid4(), channel=channel, count=count, urgent=urgent, requested_at=now
    )


async def publish_order(broker: Broker, order: SimulationOrder) -> None:
    """Confirmed by the broker when this returns; ``PublishError`` otherwise (no queue for the
    channel: it is not configured)."""
    correlation = f"simulate-{order.message_id.hex[:12]}"
    await broker.publish(
        [
            OutgoingMessage(
                exchange=DISPATCH_EXCHANGE,
                routing_key=str(order.channel),
                body=order.model_dump_json().encode(),
                message_id=str(order.message_id),
                headers={
                    MESSAGE_TYPE_HEADER: SIMULATE_TYPE,
                    context.CORRELATION_HEADER: correlation,
                },
                correlation_id=correlation,
            )
        ]
    )

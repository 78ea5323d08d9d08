"""The control message of ``oss-router simulate inbound``: a stub partner is told to send.

Published on the channel's dispatch queue with ``MESSAGE_TYPE_HEADER`` = ``simulate``, so it
reaches the process that runs the channel's stub adapter (another host with RabbitMQ, the
running service itself with the in-process broker), which passes it to its stub partner.
"""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from oss_router.messages.codes import Channel

SIMULATE_TYPE = "simulate"  # MESSAGE_TYPE_HEADER value on a channel's dispatch queue
MAX_SIMULATED = 1_000  # per order: a typo must not flood the bureau's queue


class SimulationOrder(BaseModel):
    """Send ``count`` simulated requests from the channel's stub partner now (schema v1).

    The partner references of the requests are derived from ``message_id``: an order delivered
    twice (a worker killed before acknowledging it) produces the same requests, not new ones.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    channel: Channel
    count: int = Field(ge=1, le=MAX_SIMULATED)
    urgent: bool = False
    requested_at: AwareDatetime

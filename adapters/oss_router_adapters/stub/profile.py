"""What distinguishes one stub channel from another."""

from dataclasses import dataclass
from typing import Any

from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.stub.answer import AnswerBuilder
from oss_router_adapters.stub.requests import PartnerProfile


@dataclass(frozen=True)
class ChannelProfile:
    channel: Channel
    latency_ms: int  # realistic mean, small enough for a demo to answer within seconds
    kinds: frozenset[Kind]  # what the channel can look up; others fail permanently
    build_answer: AnswerBuilder
    partner: PartnerProfile  # who sends requests through the channel (requests.py)

    def defaults(self) -> dict[str, Any]:
        return {"latency_ms": self.latency_ms, "latency_jitter_ms": self.latency_ms // 4}

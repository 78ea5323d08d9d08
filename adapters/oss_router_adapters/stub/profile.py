"""What distinguishes one stub channel from another."""

from dataclasses import dataclass
from typing import Any

from oss_router.messages.codes import Channel, Kind
from oss_router_adapters.stub.answer import AnswerBuilder


@dataclass(frozen=True)
class ChannelProfile:
    channel: Channel
    latency_ms: int  # realistic mean, small enough for a demo to answer within seconds
    kinds: frozenset[Kind]  # what the channel can look up; others fail permanently
    build_answer: AnswerBuilder
    # How the channel refuses outside Directive (EU) 2023/977, in its own words.
    refusal_reasons: tuple[str, ...] = ("the partner declines to answer",)

    def defaults(self) -> dict[str, Any]:
        return {"latency_ms": self.latency_ms, "latency_jitter_ms": self.latency_ms // 4}

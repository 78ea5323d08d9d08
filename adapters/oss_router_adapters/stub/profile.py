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
    # Who sends requests through the channel (requests.py). None: nobody — a Prüm search of
    # our databases is answered by them automatically, it is never a request the bureau works.
    partner: PartnerProfile | None = None
    # How the channel refuses outside Directive (EU) 2023/977, in its own words.
    refusal_reasons: tuple[str, ...] = ("the partner declines to answer",)

    def defaults(self) -> dict[str, Any]:
        return {"latency_ms": self.latency_ms, "latency_jitter_ms": self.latency_ms // 4}

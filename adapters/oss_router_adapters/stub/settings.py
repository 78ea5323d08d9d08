"""Settings of a stub adapter, validated from its ``OSS_ROUTER_ADAPTER_<CHANNEL>_*`` mapping."""

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from oss_router.channel.contract import AdapterConfigError
from oss_router.messages.codes import Channel

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Milliseconds = Annotated[int, Field(ge=0)]


class StubSettings(BaseModel):
    """What a stub can be told; latency defaults come from the channel's profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: Milliseconds
    latency_jitter_ms: Milliseconds
    failure_rate: Probability = 0.0
    hit_rate: Probability = 0.3
    refusal_rate: Probability = 0.1
    seed: int = 0
    healthy: bool = True
    # The partner it plays (partner.py): requests sent per minute on its own (0: only on
    # ``oss-router simulate inbound``), the pace of a simulated burst, how long a message
    # handed out and not acknowledged waits before it is offered again, how often it answers
    # our clarification request, and where it keeps its side (None: in memory).
    inbound_per_minute: Annotated[float, Field(ge=0.0, le=6000.0)] = 0.0
    send_interval_ms: Milliseconds = 0
    visibility_seconds: Annotated[float, Field(gt=0.0, le=3600.0)] = 30.0
    clarification_answer_rate: Probability = 0.5
    partner_dir: str | None = None
    # Conversations (issue 15, conversation.py): how often the partner answers a question of
    # ours (follow-up, clarification) or acknowledges a reminder, and after how long; how many
    # messages a minute it sends of its own accord (spontaneous information, or additional
    # information about a dispatch of ours it answered; 0: none); and the share of its
    # answers and own messages that carry a small photograph.
    message_answer_rate: Probability = 0.8
    message_answer_delay_ms: Milliseconds = 0
    spontaneous_per_minute: Annotated[float, Field(ge=0.0, le=6000.0)] = 0.0
    message_attachment_rate: Probability = 0.3

    @model_validator(mode="after")
    def _rates_fit(self) -> "StubSettings":
        # Both rates cut the same [0, 1) draw into bands; they cannot overlap.
        if self.hit_rate + self.refusal_rate > 1:
            raise ValueError("hit_rate + refusal_rate must not exceed 1")
        return self


def parse_settings(
    channel: Channel, defaults: Mapping[str, Any], config: Mapping[str, str]
) -> StubSettings:
    """Validate ``config`` over ``defaults``; AdapterConfigError names every bad key."""
    try:
        return StubSettings.model_validate({**defaults, **config})
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise AdapterConfigError(f"{channel} adapter configuration: {problems}") from exc


def _describe(error: ErrorDetails) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        known = ", ".join(StubSettings.model_fields)
        return f"unknown key {key!r} (known: {known})"
    if not key:  # a check across keys; its message names them
        return error["msg"]
    return f"{key}={error['input']!r}: {error['msg']}"

"""What a dead letter says about itself, read from its envelope and headers.

Only identifiers and error texts leave this module: the subject and the purpose in the
envelope are personal data, and a listing on an operator's terminal must not show them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from oss_router.broker.contract import Delivery
from oss_router.messages.dispatch import (
    ATTEMPT_HEADER,
    LAST_ERROR_HEADER,
    REPLAY_HEADER,
    DispatchEnvelope,
)

MALFORMED = "malformed envelope"


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    channel: str
    dispatch_id: UUID | None  # None: the envelope could not be read
    request_id: UUID | None
    country: str | None
    attempts: int
    replays: int
    reason: str  # why the broker dead-lettered it: rejected (by the worker), delivery_limit, …
    last_error: str | None


def describe(delivery: Delivery, channel: str) -> DeadLetter:
    headers = delivery.headers
    try:
        envelope: DispatchEnvelope | None = DispatchEnvelope.model_validate_json(delivery.body)
    except ValidationError:
        envelope = None
    return DeadLetter(
        message_id=delivery.message_id,
        channel=channel,
        dispatch_id=envelope.dispatch_id if envelope else None,
        request_id=envelope.request_id if envelope else None,
        country=envelope.country if envelope else None,
        attempts=_count(headers, ATTEMPT_HEADER, 1),
        replays=_count(headers, REPLAY_HEADER, 0),
        reason=_death_reason(headers),
        last_error=_text(headers.get(LAST_ERROR_HEADER)) if envelope else MALFORMED,
    )


def _death_reason(headers: Mapping[str, Any]) -> str:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        return _text(deaths[0].get("reason")) or "unknown"
    return "unknown"


def _count(headers: Mapping[str, Any], name: str, default: int) -> int:
    try:
        return max(0, int(headers.get(name, default)))
    except (TypeError, ValueError):
        return default


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return None if value is None else str(value)

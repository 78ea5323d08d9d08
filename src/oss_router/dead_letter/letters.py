"""What a dead letter says about itself, read from its message and headers.

Only identifiers, status codes and error texts leave this module: the subject and the purpose
in a dispatch envelope and the answer in a result are personal data, and a listing on an
operator's terminal must not show them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from oss_router.broker.contract import Delivery
from oss_router.broker.topology import RESULTS_DEAD_QUEUE, dead_letter_queue
from oss_router.messages.dispatch import (
    ATTEMPT_HEADER,
    LAST_ERROR_HEADER,
    REPLAY_HEADER,
    DispatchEnvelope,
)
from oss_router.messages.inbound import (
    MESSAGE_TYPE_HEADER,
    REPLY_RESULT_TYPE,
    REPLY_TYPE,
    ReplyEnvelope,
    ReplyResult,
)
from oss_router.messages.result import DispatchResult

MALFORMED = "malformed envelope"
MALFORMED_RESULT = "malformed result"
# The dead-letter queues by short name: each channel's (failed dispatches), and this one
# (``oss_router.dead.results``: channel results the tracker could not apply).
RESULTS = "results"


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    queue: str  # the dead-letter queue's short name: the channel's name, or RESULTS
    channel: str | None  # the dispatch's channel; None: a result that could not be read
    dispatch_id: UUID | None  # None: the message could not be read
    request_id: UUID | None
    country: str | None  # None for results (a result does not name its country)
    attempts: int
    replays: int
    reason: str  # why the broker dead-lettered it: rejected (by the worker), delivery_limit, …
    last_error: str | None
    result: str | None = None  # results: the status reported (delivered, answered, failed)
    result_id: UUID | None = None  # results: the result's message id (the tracker's inbox key)
    # A reply to a partner about a received request (header ``x-oss-type``), not a dispatch.
    reply_id: UUID | None = None
    inbound_id: UUID | None = None
    is_reply: bool = False

    @property
    def is_result(self) -> bool:
        return self.queue == RESULTS


def queue_name(queue: str) -> str:
    """The broker's name of a dead-letter queue given by its short name."""
    return RESULTS_DEAD_QUEUE if queue == RESULTS else dead_letter_queue(queue)


def describe(delivery: Delivery, queue: str) -> DeadLetter:
    if queue == RESULTS:
        if delivery.headers.get(MESSAGE_TYPE_HEADER) == REPLY_RESULT_TYPE:
            return describe_reply_result(delivery)
        return describe_result(delivery)
    if delivery.headers.get(MESSAGE_TYPE_HEADER) == REPLY_TYPE:
        return describe_reply(delivery, queue)
    headers = delivery.headers
    try:
        envelope: DispatchEnvelope | None = DispatchEnvelope.model_validate_json(delivery.body)
    except ValidationError:
        envelope = None
    return DeadLetter(
        message_id=delivery.message_id,
        queue=queue,
        channel=queue,
        dispatch_id=envelope.dispatch_id if envelope else None,
        request_id=envelope.request_id if envelope else None,
        country=envelope.country if envelope else None,
        attempts=_count(headers, ATTEMPT_HEADER, 1),
        replays=_count(headers, REPLAY_HEADER, 0),
        reason=_death_reason(headers),
        last_error=_text(headers.get(LAST_ERROR_HEADER)) if envelope else MALFORMED,
    )


def describe_result(delivery: Delivery) -> DeadLetter:
    """A letter of ``oss_router.dead.results``: a worker's report that the tracker refused or
    crashed on; its error is the failure the worker reported, never the answer."""
    try:
        result: DispatchResult | None = DispatchResult.model_validate_json(delivery.body)
    except ValidationError:
        result = None
    return DeadLetter(
        message_id=delivery.message_id,
        queue=RESULTS,
        channel=str(result.channel) if result else None,
        dispatch_id=result.dispatch_id if result else None,
        request_id=result.request_id if result else None,
        country=None,
        attempts=result.attempts if result else 1,
        replays=0,
        reason=_death_reason(delivery.headers),
        last_error=(result.error if result else MALFORMED_RESULT),
        result=result.status if result else None,
        result_id=result.message_id if result else None,
    )


def describe_reply(delivery: Delivery, queue: str) -> DeadLetter:
    """A reply to a partner that its channel's worker gave up on (inbound/replies.py)."""
    headers = delivery.headers
    try:
        envelope: ReplyEnvelope | None = ReplyEnvelope.model_validate_json(delivery.body)
    except ValidationError:
        envelope = None
    return DeadLetter(
        message_id=delivery.message_id,
        queue=queue,
        channel=queue,
        dispatch_id=None,
        request_id=None,
        country=envelope.country if envelope else None,
        attempts=_count(headers, ATTEMPT_HEADER, 1),
        replays=_count(headers, REPLAY_HEADER, 0),
        reason=_death_reason(headers),
        last_error=_text(headers.get(LAST_ERROR_HEADER)) if envelope else MALFORMED,
        reply_id=envelope.reply_id if envelope else None,
        inbound_id=envelope.inbound_id if envelope else None,
        is_reply=True,
    )


def describe_reply_result(delivery: Delivery) -> DeadLetter:
    """A worker's report on a reply that the tracker refused or crashed on."""
    try:
        result: ReplyResult | None = ReplyResult.model_validate_json(delivery.body)
    except ValidationError:
        result = None
    return DeadLetter(
        message_id=delivery.message_id,
        queue=RESULTS,
        channel=str(result.channel) if result else None,
        dispatch_id=None,
        request_id=None,
        country=None,
        attempts=result.attempts if result else 1,
        replays=0,
        reason=_death_reason(delivery.headers),
        last_error=(result.error if result else MALFORMED_RESULT),
        result=result.status if result else None,
        result_id=result.message_id if result else None,
        reply_id=result.reply_id if result else None,
        inbound_id=result.inbound_id if result else None,
        is_reply=True,
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

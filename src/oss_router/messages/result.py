"""What a worker publishes about a dispatch, consumed by the tracker."""

from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict

from oss_router.messages.codes import Channel, Outcome, RefusalGround

ResultStatus = Literal["delivered", "answered", "failed"]


class DispatchResult(BaseModel):
    """A status change of one dispatch, reported by the worker of its channel (schema v1).

    ``message_id`` is derived from the dispatch, the status and the replay, so a worker that
    processes a redelivered dispatch again produces the same id and the tracker applies it at
    most once, while a dispatch replayed by an operator reports afresh.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    request_id: UUID
    dispatch_id: UUID
    correlation_id: str
    channel: Channel
    status: ResultStatus
    outcome: Outcome | None = None
    answer: dict[str, Any] | None = None
    refusal_ground: RefusalGround | None = None  # Directive (EU) 2023/977 Art. 6(1) only
    refusal_reason: str | None = None  # another channel's own refusal words
    error: str | None = None
    attempts: int = 1
    occurred_at: AwareDatetime
    # Set on an answer or a failure that also reports "delivered" (when the worker received
    # the dispatch): a channel that answers at once costs one result message, not two. The
    # tracker records both transitions, delivered first.
    delivered_at: AwareDatetime | None = None


def result_message_id(dispatch_id: UUID, status: ResultStatus, replay: int = 0) -> UUID:
    """Deterministic id of the result message for this dispatch, status and replay (0: the
    dispatch's first journey; ``n``: its n-th replay from the dead-letter queue)."""
    suffix = f":replay-{replay}" if replay else ""
    return uuid5(NAMESPACE_URL, f"urn:oss-router:dispatch:{dispatch_id}:{status}{suffix}")

"""The message the relay publishes to a channel's queue, consumed by that channel's worker."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from oss_router.messages.codes import Channel, HandlingCode, Kind, Urgency

# Headers of the dispatch message: which attempt this delivery is (1 = the first), and how many
# times an operator replayed the dispatch from its dead-letter queue (absent = never).
ATTEMPT_HEADER = "x-oss-attempt"
REPLAY_HEADER = "x-oss-replay"
# The reason of the last failed attempt, set by the worker on retries.
LAST_ERROR_HEADER = "x-last-error"


class DispatchEnvelope(BaseModel):
    """One dispatch of one request to one channel for one target country (schema v1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    request_id: UUID
    dispatch_id: UUID
    correlation_id: str
    channel: Channel
    country: str
    kind: Kind
    subject: dict[str, Any]
    purpose: str
    urgency: Urgency
    handling_code: HandlingCode
    crime_area: str
    sis_alert_id: str | None = None
    reference: str | None = None
    due_at: AwareDatetime
    created_at: AwareDatetime
    # A request to a single point of contact under Directive (EU) 2023/977 (SIENA to an EU or
    # Schengen state): only then may a refusal cite an Art. 6(1) ground. Other channels refuse
    # in their own words (AdapterAnswer.refusal_reason).
    directive_exchange: bool = False

    @property
    def received_at(self) -> datetime:
        return self.created_at

"""API schemas of the exchange request (RequestCreate / RequestRead / RequestList)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from oss_router.messages.codes import (
    AccessType,
    Channel,
    DispatchStatus,
    HandlingCode,
    Kind,
    Outcome,
    RefusalGround,
    RequestStatus,
    Urgency,
    UrgencyGround,
)
from oss_router.request.subjects import Subject

MIN_PURPOSE_LENGTH = 10
MAX_TARGETS = 30

CountryField = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]


Purpose = Annotated[str, StringConstraints(min_length=MIN_PURPOSE_LENGTH, max_length=2000)]


class RoutingFields(BaseModel):
    """What the routing policy reads, common to a request and to a routing preview."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    target_countries: list[CountryField] = Field(min_length=1, max_length=MAX_TARGETS)
    urgency: Urgency = Urgency.NORMAL
    urgency_ground: UrgencyGround | None = None
    access_type: AccessType = AccessType.INDIRECT
    crime_area: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] = "other"
    sis_alert_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:/-]{1,64}$")] | None = (
        None
    )
    border_area: bool = False
    handling_code: HandlingCode = HandlingCode.H0
    preferred_channel: Channel | None = None
    override_reason: Annotated[str, StringConstraints(max_length=1000)] | None = None
    reference: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _copy_kind_into_subject(cls, data: Any) -> Any:
        # Lets the subject union pick its model from the request's kind (see subjects.py).
        if isinstance(data, dict) and isinstance(data.get("subject"), dict):
            kind = data.get("kind")
            if kind in {member.value for member in Kind}:
                data = {**data, "subject": {**data["subject"], "kind": kind}}
        return data


class RequestCreate(RoutingFields):
    """A lookup about a person, vehicle, document or DNA profile, to one or more countries."""

    subject: Subject
    purpose: Purpose = Field(
        description="Justification of the request (Directive 2023/977 Art. 4(3))"
    )


# A draft's target may be anything the officer typed: the preview names it as a bad target
# (unknown code) and still routes the others; bounded, like every field.
DraftCountry = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=16)
]


class RoutingPreviewQuery(RoutingFields):
    """A request being written: subject and purpose may still be missing (they do not change
    the route); when the subject is given, the preview also looks for possible duplicates.
    A bad target does not refuse the preview: it is reported in ``RoutingPreview.errors``."""

    target_countries: list[DraftCountry] = Field(min_length=1, max_length=MAX_TARGETS)

    subject: Subject | None = None
    purpose: Purpose | None = None


class WarningRead(BaseModel):
    code: str
    message: str
    model_config = ConfigDict(extra="allow")


class DispatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    channel: Channel
    country: str
    status: DispatchStatus
    rule: str
    explanation: str
    due_at: AwareDatetime
    deadline_basis: str
    overdue: bool
    attempts: int
    outcome: Outcome | None
    answer: dict[str, Any] | None
    refusal_ground: RefusalGround | None
    error: str | None
    updated_at: AwareDatetime
    reroute_channels: list[Channel] = Field(
        description="Channels a supervisor could re-route this dispatch to now: eligible for "
        "its country and the request by the routing policy, other than its own; empty when "
        "it is answered, cancelled, re-routed already or its request closed"
    )
    retry_allowed: bool = Field(
        description="Failed, neither re-routed nor retried, request not closed: a supervisor "
        "may send it again through the same channel (POST .../retry)"
    )


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: AwareDatetime
    type: str
    dispatch_id: UUID | None
    from_status: str | None
    to_status: str | None
    actor: str
    detail: dict[str, Any]


class RequestRead(BaseModel):
    id: UUID
    status: RequestStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime
    due_at: AwareDatetime | None
    overdue: bool
    warnings: list[WarningRead]
    policy_version: str
    origin: str
    kind: Kind
    subject: dict[str, Any] | None
    target_countries: list[str]
    purpose: str | None
    urgency: Urgency
    urgency_ground: UrgencyGround | None
    access_type: AccessType
    crime_area: str
    sis_alert_id: str | None
    border_area: bool
    handling_code: HandlingCode
    preferred_channel: Channel | None
    override_reason: str | None
    reference: str | None
    dispatches: list[DispatchRead]
    events: list[EventRead] | None = None
    purged_at: AwareDatetime | None = Field(
        default=None, description="When its personal data were erased (retention, purge)"
    )
    needs_action: bool = Field(
        default=False,
        description="A dispatch failed and was neither re-routed nor retried (status failed): "
        "a supervisor retries it, re-routes it, or cancels the request",
    )


class RequestList(BaseModel):
    items: list[RequestRead]
    next_cursor: str | None


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)]


class RerouteBody(BaseModel):
    """A supervisor's re-routing of one dispatch: the channel to use and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel
    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)]


class RetryBody(BaseModel):
    """A supervisor's retry of a failed dispatch on its own channel, and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why it can go again (the cause is fixed): on the timeline and in the "
        "audit log (LED 2016/680 Art. 25)"
    )


class PreviewDispatch(BaseModel):
    channel: Channel
    country: str
    rule: str
    explanation: str
    due_at: datetime
    deadline_basis: str


class PreviewTargetError(BaseModel):
    """Why one target of the draft cannot be routed (the others' routing is in dispatches)."""

    field: str = Field(description="The target at fault, e.g. target_countries[1]")
    country: str = Field(description="The target as given (upper case)")
    message: str
    rule: str | None = Field(
        default=None, description="The routing rule that refused it (R0, R7, OVERRIDE)"
    )


class RoutingPreview(BaseModel):
    dispatches: list[PreviewDispatch] = Field(description="The route of each valid target")
    warnings: list[WarningRead]
    policy_version: str
    errors: list[PreviewTargetError] = Field(
        default_factory=list, description="One per target that cannot be routed, in order"
    )

"""API schemas of the exchange request (RequestCreate / RequestRead / RequestList)."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from oss_router.conversations.schemas import MessageRead
from oss_router.field_messages import explained
from oss_router.input import InputModel, forbid_nul_in_schema
from oss_router.messages.codes import (
    AccessType,
    Channel,
    DispatchStatus,
    HandlingCode,
    Kind,
    MessageType,
    Outcome,
    RefusalGround,
    RequestStatus,
    Urgency,
    UrgencyGround,
)
from oss_router.messages.subjects import (
    COUNTRY_PATTERN,
    DnaSubject,
    DocumentSubject,
    FingerprintSubject,
    PersonSubject,
    VehicleSubject,
)
from oss_router.registers.service import NationalCheck

MIN_PURPOSE_LENGTH = 10
MAX_TARGETS = 30

CountryField = Annotated[str, StringConstraints(to_upper=True, pattern=COUNTRY_PATTERN)]
CRIME_AREA_PATTERN = explained(
    r"^[a-z_]{1,40}$", "Choose a crime area from the list (such as motor_vehicle_crime)."
)
SIS_ALERT_PATTERN = explained(
    r"^[A-Za-z0-9._:/-]{1,64}$",
    "Give the SIS alert identifier: up to 64 letters, digits and . _ : / -",
)
REQUEST_DESCRIPTION = (
    "A lookup about a person, vehicle, document, DNA profile or fingerprints, to one or more "
    "countries; "
    "``kind`` says which, and the subject is the one of that kind."
)

ACCESS_TYPE_DESCRIPTION = (
    "Our expectation of the requested state's access to the information (direct or indirect, "
    "Directive 2023/977 Art. 5(1)(a)/(b)); only the requested state knows it, so the deadline "
    "it sets on an urgent Directive request is our reading of what that state owes"
)


Purpose = Annotated[str, StringConstraints(min_length=MIN_PURPOSE_LENGTH, max_length=2000)]


def _routing_rules_in_schema(schema: dict[str, Any]) -> None:
    """What the routing guards refuse, as far as JSON Schema can say it: an urgent request
    states its ground (Directive 2023/977 Art. 4(4)); a routing override states its reason."""
    forbid_nul_in_schema(schema)
    schema["allOf"] = [
        _requires_when("urgency", Urgency.URGENT.value, "urgency_ground"),
        _requires_when("preferred_channel", None, "override_reason"),
    ]


def _requires_when(field: str, value: str | None, required: str) -> dict[str, Any]:
    """``required`` (not null) when ``field`` is ``value`` (any non-null value for None)."""
    condition = {"const": value} if value is not None else {"not": {"type": "null"}}
    return {
        "if": {"properties": {field: condition}, "required": [field]},
        "then": {"properties": {required: {"not": {"type": "null"}}}, "required": [required]},
    }


class RoutingFields(InputModel):
    """The fields of a request in the order of the web client's form (errors are listed in
    this order); the routing policy reads all but ``subject``, ``purpose`` and ``reference``.
    Each kind's request and preview below narrows ``kind``, ``subject`` and ``purpose``."""

    model_config = ConfigDict(json_schema_extra=_routing_rules_in_schema)

    kind: Kind
    subject: InputModel | None = None
    target_countries: list[CountryField] = Field(min_length=1, max_length=MAX_TARGETS)
    urgency: Urgency = Urgency.NORMAL
    urgency_ground: UrgencyGround | None = None
    access_type: AccessType = Field(
        default=AccessType.INDIRECT,
        description=ACCESS_TYPE_DESCRIPTION,
    )
    crime_area: Annotated[str, StringConstraints(pattern=CRIME_AREA_PATTERN)] = "other"
    sis_alert_id: Annotated[str, StringConstraints(pattern=SIS_ALERT_PATTERN)] | None = None
    border_area: bool = False
    purpose: Purpose | None = None
    handling_code: HandlingCode = HandlingCode.H0
    reference: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    preferred_channel: Channel | None = None
    override_reason: Annotated[str, StringConstraints(max_length=1000)] | None = None


# A request is one model per kind, told apart by ``kind`` (a discriminated union): the OpenAPI
# document and schemas/request-create.json tie each subject to its kind, as the service does,
# and the kind is read without being hashed or looked up before its type is checked.
class _RequestFields(RoutingFields):
    purpose: Purpose = Field(
        description="Justification of the request (Directive 2023/977 Art. 4(3))"
    )
    case_id: UUID | None = Field(
        default=None,
        description="An open case to file the request in (``GET /v1/cases``); 422 naming "
        "``case_id`` when there is no such open case the caller may see",
    )


# A draft's target may be anything the officer typed: the preview names it as a bad target
# (unknown code) and still routes the others; bounded, like every field.
DraftCountry = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=16)
]


class PersonRequest(_RequestFields):
    kind: Literal[Kind.PERSON]
    subject: PersonSubject


class VehicleRequest(_RequestFields):
    kind: Literal[Kind.VEHICLE]
    subject: VehicleSubject


class DocumentRequest(_RequestFields):
    kind: Literal[Kind.DOCUMENT]
    subject: DocumentSubject


class DnaRequest(_RequestFields):
    kind: Literal[Kind.DNA]
    subject: DnaSubject


class FingerprintRequest(_RequestFields):
    kind: Literal[Kind.FINGERPRINT]
    subject: FingerprintSubject


RequestCreate = Annotated[
    PersonRequest | VehicleRequest | DocumentRequest | DnaRequest | FingerprintRequest,
    Field(discriminator="kind", description=REQUEST_DESCRIPTION),
]
REQUEST_CREATE: TypeAdapter[RequestCreate] = TypeAdapter(RequestCreate)


class _PreviewFields(RoutingFields):
    """A request being written: subject and purpose may still be missing (they do not change
    the route); when the subject is given, the preview also looks for possible duplicates.
    A bad target does not refuse the preview: it is reported in ``RoutingPreview.errors``."""

    target_countries: list[DraftCountry] = Field(min_length=1, max_length=MAX_TARGETS)


class PersonPreview(_PreviewFields):
    kind: Literal[Kind.PERSON]
    subject: PersonSubject | None = None


class VehiclePreview(_PreviewFields):
    kind: Literal[Kind.VEHICLE]
    subject: VehicleSubject | None = None


class DocumentPreview(_PreviewFields):
    kind: Literal[Kind.DOCUMENT]
    subject: DocumentSubject | None = None


class DnaPreview(_PreviewFields):
    kind: Literal[Kind.DNA]
    subject: DnaSubject | None = None


class FingerprintPreview(_PreviewFields):
    kind: Literal[Kind.FINGERPRINT]
    subject: FingerprintSubject | None = None


RoutingPreviewQuery = Annotated[
    PersonPreview | VehiclePreview | DocumentPreview | DnaPreview | FingerprintPreview,
    Field(discriminator="kind"),
]


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
    follow_up_allowed: bool = Field(
        default=False,
        description="A Prüm search answered with a hit and not followed up yet: an officer "
        "may stage the follow-up request for the data behind it (POST .../follow-up)",
    )
    message_types_allowed: list[MessageType] = Field(
        default_factory=list,
        description="What an officer may write to the partner on this dispatch's thread now "
        "(POST .../messages): follow-ups and the like once it is answered, additional "
        "information while it waits; none for Prüm searches",
    )
    reminder_allowed: bool = Field(
        default=False,
        description="Overdue and still waiting for its answer, no reminder within the hour: "
        "an officer may remind the partner (POST .../reminder)",
    )
    messages_count: int | None = Field(
        default=None,
        description="Messages on its thread, both ways (GET /v1/requests/{id} only; null "
        "where the thread is not read: lists, action answers)",
    )
    follow_up_pending: bool | None = Field(
        default=None,
        description="A question of ours (follow-up, clarification) waits for the partner's "
        "answer: the dispatch is answered, with a follow-up pending (detail read only)",
    )
    reminders: int | None = Field(
        default=None, description="Reminders sent on it (detail read only)"
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


class CaseRef(BaseModel):
    """The case a request is filed in."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    reference: str
    title: str | None
    status: str
    href: str


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
    access_type: AccessType = Field(description=ACCESS_TYPE_DESCRIPTION)
    crime_area: str
    sis_alert_id: str | None
    border_area: bool
    handling_code: HandlingCode
    preferred_channel: Channel | None
    override_reason: str | None
    reference: str | None
    dispatches: list[DispatchRead]
    events: list[EventRead] | None = None
    case: CaseRef | None = Field(
        default=None,
        description="GET /v1/requests/{id} only: the case it is filed in (null: none, or one "
        "the caller may not see)",
    )
    messages: list[MessageRead] | None = Field(
        default=None,
        description="GET /v1/requests/{id} only: the conversation with the partners, every "
        "dispatch's thread, oldest first",
    )
    purged_at: AwareDatetime | None = Field(
        default=None, description="When its personal data were erased (retention, purge)"
    )
    needs_action: bool = Field(
        default=False,
        description="A dispatch failed and was neither re-routed nor retried (status failed): "
        "a supervisor retries it, re-routes it, or cancels the request",
    )
    known_to_us: NationalCheck | None = Field(
        default=None,
        description="What the national registers hold on the subject, checked when the request "
        "is opened (GET /v1/requests/{id}, not a refresh, not a list): audited as a consultation",
    )


class RequestList(BaseModel):
    items: list[RequestRead]
    next_cursor: str | None


class CancelBody(InputModel):
    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)]


class RerouteBody(InputModel):
    """A supervisor's re-routing of one dispatch: the channel to use and why."""

    channel: Channel
    reason: Annotated[str, StringConstraints(min_length=3, max_length=1000)]


class FollowUpBody(InputModel):
    """An officer's follow-up of a Prüm hit; the note is optional (the hit is the reason)."""

    note: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = Field(
        default=None,
        description="How the match was confirmed, or what is asked beyond the core data: on "
        "the timeline and in the audit log (LED 2016/680 Art. 25)",
    )


class RetryBody(InputModel):
    """A supervisor's retry of a failed dispatch on its own channel, and why."""

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
    known_to_us: NationalCheck | None = Field(
        default=None,
        description="What the national registers hold on the subject before the request is sent "
        "(null while the draft has no valid subject): audited as a consultation",
    )

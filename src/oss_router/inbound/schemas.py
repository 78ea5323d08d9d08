"""API schemas of a request received from a partner: the registration body
(``InboundRegistration``), its read (``InboundRead``), a page of them (``InboundList``), and the
officer's correction of the access type (``AccessTypeBody``).

The registration is one model per kind, told apart by ``kind`` (a discriminated union), with
the subject models of outgoing requests: a subject is validated exactly as in ``POST
/v1/requests``, and errors name the field the same way (``subject.family_name``).
"""

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)

from oss_router.conversations.schemas import MessageRead
from oss_router.field_messages import explained
from oss_router.input import InputModel, forbid_nul_in_schema
from oss_router.messages.codes import (
    AccessType,
    Channel,
    HandlingCode,
    InboundStatus,
    Kind,
    MessageType,
    Outcome,
    RefusalGround,
    ReplyStatus,
    ReplyType,
    Urgency,
    UrgencyGround,
)
from oss_router.messages.inbound import ReceivingChannel
from oss_router.messages.subjects import (
    CountryCode,
    DnaSubject,
    DocumentSubject,
    FingerprintSubject,
    PersonSubject,
    VehicleSubject,
)

PARTNER_REFERENCE_PATTERN = explained(
    r"^[\x21-\x7e][\x20-\x7e]{0,99}$",
    "Give the partner's reference as it appears on its message: up to 100 printable ASCII "
    "characters, not starting with a space.",
)
LANGUAGE_PATTERN = explained(
    r"^[a-z]{2}$", "Give the language as a two-letter code in lower case, such as en or de."
)
UNIT_PATTERN = explained(
    r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$",
    "Name the unit with up to 100 letters, digits, spaces, dots, dashes or underscores.",
)
Authority = Annotated[str, StringConstraints(min_length=2, max_length=200)]
# The partner's justification (Directive 2023/977 Art. 4(3)): as the partner wrote it, bounded.
PartnerPurpose = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=1000)]

REGISTRATION_DESCRIPTION = (
    "A request a partner sent the bureau, registered by hand (it came by e-mail, phone or "
    "paper) or by the registrar (it came through a channel); ``kind`` says what it is about, "
    "and the subject is the one of that kind, as for outgoing requests."
)


def _registration_rules_in_schema(schema: dict[str, Any]) -> None:
    """An urgent request states its ground (Directive (EU) 2023/977 Art. 4(4))."""
    forbid_nul_in_schema(schema)
    schema["allOf"] = [
        {
            "if": {
                "properties": {"urgency": {"const": Urgency.URGENT.value}},
                "required": ["urgency"],
            },
            "then": {
                "properties": {"urgency_ground": {"not": {"type": "null"}}},
                "required": ["urgency_ground"],
            },
        }
    ]


class _RegistrationFields(InputModel):
    """The fields of a registration, in the order of the web client's form."""

    model_config = ConfigDict(json_schema_extra=_registration_rules_in_schema)

    channel: ReceivingChannel = Field(description="The channel the request came through")
    partner_reference: Annotated[str, StringConstraints(pattern=PARTNER_REFERENCE_PATTERN)] = Field(
        description="The partner's own reference of the request: registering the same "
        "(channel, partner_reference) again returns the first registration"
    )
    requesting_country: CountryCode = Field(description="The requesting state (ISO alpha-2)")
    requesting_authority: Authority = Field(description="The requesting authority, by name")
    received_at: AwareDatetime | None = Field(
        default=None,
        description="When the bureau received it (the deadlines run from it); default now. "
        "Not later than now.",
    )
    kind: Kind
    subject: InputModel
    purpose: PartnerPurpose | None = Field(
        default=None, description="The partner's reasons for the request (Art. 4(3))"
    )
    urgency: Urgency = Urgency.NORMAL
    urgency_ground: UrgencyGround | None = Field(
        default=None, description="Required when urgent (Directive (EU) 2023/977 Art. 4(4))"
    )
    access_type: AccessType | None = Field(
        default=None,
        description="Whether the information asked for is directly or indirectly accessible "
        "to the bureau (Art. 2(6), (7); it sets the Art. 5(1) deadline of an urgent request). "
        "Omitted: from the national registers' configuration for the kind.",
    )
    language: Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)] = "en"
    handling_code: HandlingCode = HandlingCode.H0
    unit: Annotated[str, StringConstraints(pattern=UNIT_PATTERN)] | None = Field(
        default=None, description="The PCCC unit the request is addressed to, if any"
    )


class PersonRegistration(_RegistrationFields):
    kind: Literal[Kind.PERSON]
    subject: PersonSubject


class VehicleRegistration(_RegistrationFields):
    kind: Literal[Kind.VEHICLE]
    subject: VehicleSubject


class DocumentRegistration(_RegistrationFields):
    kind: Literal[Kind.DOCUMENT]
    subject: DocumentSubject


class DnaRegistration(_RegistrationFields):
    kind: Literal[Kind.DNA]
    subject: DnaSubject


class FingerprintRegistration(_RegistrationFields):
    kind: Literal[Kind.FINGERPRINT]
    subject: FingerprintSubject


InboundRegistration = Annotated[
    PersonRegistration
    | VehicleRegistration
    | DocumentRegistration
    | DnaRegistration
    | FingerprintRegistration,
    Field(discriminator="kind", description=REGISTRATION_DESCRIPTION),
]
INBOUND_REGISTRATION: TypeAdapter[InboundRegistration] = TypeAdapter(InboundRegistration)


class AccessTypeBody(InputModel):
    """An officer's correction of the access type, and why: the deadline is recomputed."""

    access_type: AccessType
    reason: Reason = Field(description="Why: on the timeline and in the audit log")


class InboundEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: AwareDatetime
    type: str
    reply_id: UUID | None
    from_status: str | None
    to_status: str | None
    actor: str
    detail: dict[str, Any]


class InboundReplyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    type: ReplyType
    status: ReplyStatus
    body: dict[str, Any] | None
    attempts: int
    error: str | None
    partner_message_reference: str | None
    created_by: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    delivered_at: AwareDatetime | None


class RelatedRead(BaseModel):
    """An earlier request about the same subject (same kind and subject fingerprint)."""

    direction: Literal["inbound", "outgoing"]
    id: UUID
    at: AwareDatetime = Field(description="When it was received (inbound) or created (outgoing)")
    status: str = Field(description="Its status when this request was registered")
    countries: list[str] = Field(description="Requesting state (inbound) or targets (outgoing)")
    channel: str | None = None


class SuggestedCase(BaseModel):
    """A case holding one of the related requests: where this request may belong too
    (``POST /v1/cases/{id}/links`` with ``inbound_id`` files it there)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    reference: str
    title: str | None
    status: str
    href: str


class InboundRead(BaseModel):
    id: UUID
    status: InboundStatus
    channel: Channel
    partner_reference: str
    source: Literal["channel", "manual"]
    requesting_country: str
    requesting_authority: str
    unit: str | None
    received_at: AwareDatetime
    registered_at: AwareDatetime
    registered_by: str
    kind: Kind
    subject: dict[str, Any] | None
    purpose: str | None
    urgency: Urgency
    urgency_ground: UrgencyGround | None
    access_type: AccessType
    access_type_source: Literal["registers", "partner", "officer"]
    language: str
    handling_code: HandlingCode
    due_at: AwareDatetime
    deadline_basis: str
    overdue: bool = Field(description="Open, its clock running, and past due_at")
    directive: bool = Field(
        description="A request under Directive (EU) 2023/977 (SIENA from an EU or Schengen "
        "associated state): its Art. 5(1) time limits bind us and a refusal needs an Art. 6(1) "
        "ground"
    )
    seconds_left: int | None = Field(
        description="Seconds until due_at (negative: overdue); null once answered or refused, "
        "or while the clock is suspended awaiting clarification"
    )
    suspended_at: AwareDatetime | None
    assigned_to: str | None
    outcome: Outcome | None
    refusal_ground: RefusalGround | None
    answered_at: AwareDatetime | None
    updated_at: AwareDatetime
    purged_at: AwareDatetime | None
    national_check: dict[str, Any] | None = Field(
        description="What the national registers held on the subject when it was registered"
    )
    related: list[RelatedRead]
    replies: list[InboundReplyRead]
    events: list[InboundEventRead] | None = Field(
        default=None, description="The timeline (in the detail read only)"
    )
    suggested_cases: list[SuggestedCase] | None = Field(
        default=None,
        description="The cases holding a related request the caller may see (in the detail "
        "read only)",
    )
    case: SuggestedCase | None = Field(
        default=None,
        description="The case it is filed in (detail read only; null: none, or one the caller "
        "may not see)",
    )
    message_types_allowed: list[MessageType] = Field(
        default_factory=list,
        description="What an officer may write to the partner now (POST .../messages): "
        "nothing until our reply went out",
    )
    messages: list[MessageRead] | None = Field(
        default=None,
        description="The conversation with the partner after the request, oldest first (in "
        "the detail read only)",
    )


class InboundList(BaseModel):
    items: list[InboundRead]
    next_cursor: str | None

"""API schemas of case files (CaseCreate / CaseRead / CaseList and the action bodies)."""

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from oss_router.field_messages import explained
from oss_router.input import InputModel, forbid_nul_in_schema
from oss_router.messages.codes import HandlingCode
from oss_router.request.schemas import CRIME_AREA_PATTERN

REFERENCE_PATTERN = explained(
    r"^[\x21-\x7e]([\x20-\x7e]{0,98}[\x21-\x7e])?$",
    "Give the national case reference: 1–100 printable characters, no spaces at the ends.",
)

CaseStatus = Literal["open", "closed"]
CrimeArea = Annotated[str, StringConstraints(pattern=CRIME_AREA_PATTERN)]


class CaseCreate(InputModel):
    """A new case; with ``request_id`` and/or ``inbound_id`` it is opened from that request,
    which is filed in it at once."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    reference: Annotated[str, StringConstraints(pattern=REFERENCE_PATTERN)] = Field(
        description="The national case reference: unique among the bureau's cases"
    )
    crime_area: CrimeArea = Field(
        default="other",
        description="A Europol mandate area, or ``other`` (the vocabulary of outgoing requests)",
    )
    handling_code: HandlingCode = HandlingCode.H0
    request_id: UUID | None = Field(default=None, description="An outgoing request to file in it")
    inbound_id: UUID | None = Field(
        default=None, description="A request received from a partner to file in it"
    )


def _exactly_one_in_schema(schema: dict[str, Any]) -> None:
    """What ``cases.service.link`` refuses, as JSON Schema says it: exactly one of the three."""
    forbid_nul_in_schema(schema)
    schema["oneOf"] = [_only(name) for name in LINK_FIELDS]


LINK_FIELDS = ("request_id", "inbound_id", "message_id")


def _only(name: str) -> dict[str, Any]:
    others = {other: {"type": "null"} for other in LINK_FIELDS if other != name}
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}, **others}}


class LinkBody(InputModel):
    """Exactly one of ``request_id`` (sent by the bureau), ``inbound_id`` (received) and
    ``message_id`` (a message of a conversation: spontaneous information, say)."""

    model_config = ConfigDict(json_schema_extra=_exactly_one_in_schema)

    request_id: UUID | None = None
    inbound_id: UUID | None = None
    message_id: UUID | None = None


class CloseBody(InputModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class TimelineItem(BaseModel):
    """One event of the case or of a request filed in it, or a message filed in it (source
    ``message``: one not on the thread of a request in the case, whose own events already
    show it). ``source`` says whose event it is and ``href`` where to read that case, request
    or message."""

    at: AwareDatetime
    source: Literal["case", "request", "inbound", "message"]
    type: str
    actor: str
    href: str
    case_id: UUID | None = None
    request_id: UUID | None = None
    inbound_id: UUID | None = None
    message_id: UUID | None = None
    from_status: str | None = None
    to_status: str | None = None
    detail: dict[str, Any]


class LinkedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    request_id: UUID | None
    inbound_id: UUID | None
    linked_at: AwareDatetime
    linked_by: str


class CaseMessageRead(BaseModel):
    """A message filed in the case, as the case shows it: what it is, never its text (read
    the message itself, ``href``: that reading is audited)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    direction: str
    type: str
    status: str
    channel: str
    country: str
    dispatch_id: UUID | None
    request_id: UUID | None
    inbound_id: UUID | None
    answers_id: UUID | None
    handling_code: str
    created_by: str
    created_at: AwareDatetime
    received_at: AwareDatetime | None
    href: str


class CaseRead(BaseModel):
    id: UUID
    reference: str
    title: str | None = Field(description="None once the case's personal data were erased")
    crime_area: str
    handling_code: HandlingCode
    owner: str
    unit: str | None
    status: CaseStatus
    close_reason: str | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    purged_at: AwareDatetime | None
    links: list[LinkedRead] = Field(
        description="The requests filed in the case that the caller may see"
    )
    messages: list[CaseMessageRead] | None = Field(
        default=None,
        description="The messages in the case that the caller may see, oldest first (the "
        "case read and the answers of its actions; None in lists)",
    )
    timeline: list[TimelineItem] | None = Field(
        default=None,
        description="GET /v1/cases/{id} only: the case's events and those of every request "
        "filed in it, in time order",
    )
    timeline_truncated: bool = Field(
        default=False, description="The timeline holds its first items only (TIMELINE_LIMIT)"
    )


class CaseList(BaseModel):
    items: list[CaseRead]
    next_cursor: str | None

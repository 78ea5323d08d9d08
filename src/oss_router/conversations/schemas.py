"""API schemas of conversations: what an officer sends about an exchange, and a message as
the API shows it (``MessageRead``, also each item of a thread)."""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from oss_router.attachments.schemas import AttachmentRead
from oss_router.input import InputModel
from oss_router.messages.codes import (
    Channel,
    HandlingCode,
    Kind,
    MessageDirection,
    MessageStatus,
    MessageType,
    Urgency,
)

TEXT_MAX = 10_000
ATTACHMENTS_MAX = 10  # the configured limit (OSS_ROUTER_MESSAGE_ATTACHMENTS_MAX_FILES) applies too

MessageText = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)]
AttachmentIds = Annotated[list[UUID], Field(max_length=ATTACHMENTS_MAX)]

# What an officer may write on a thread; a reminder has its own endpoint (it is only for an
# overdue dispatch) and spontaneous information its own (it starts a thread of its own).
ThreadMessageType = Literal[
    "follow_up", "additional_information", "clarification", "acknowledgement", "answer"
]


class MessageCreate(InputModel):
    type: ThreadMessageType = Field(
        description="follow_up: a further question once the answer is in; clarification: a "
        "question about what the partner sent; additional_information; acknowledgement; "
        "answer: to the partner's question named by answers_id"
    )
    text: MessageText
    attachment_ids: AttachmentIds = Field(
        default_factory=list, description="Files uploaded first (POST /v1/attachments)"
    )
    answers_id: UUID | None = Field(
        default=None, description="type answer only: the partner's question it answers"
    )


class ReminderCreate(InputModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)] | None = Field(
        default=None, description="The reminder's words; a standard sentence when left out"
    )


LegalBasis = Annotated[str, StringConstraints(min_length=3, max_length=500)]


class SpontaneousCreate(InputModel):
    """Information sent without a prior request (Directive (EU) 2023/977 Art. 7)."""

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = Field(
        description="The partner state it goes to (ISO 3166-1 alpha-2)"
    )
    kind: Kind = Field(description="What the information is about: routes it like a request")
    text: MessageText
    legal_basis: LegalBasis = Field(
        description="Why it may go, e.g. 'Directive (EU) 2023/977 Art. 7(1)'"
    )
    handling_code: HandlingCode = HandlingCode.H0
    urgency: Urgency = Urgency.NORMAL
    attachment_ids: AttachmentIds = Field(default_factory=list)


class RouteRead(BaseModel):
    channel: Channel
    rule: str
    explanation: str


class MessageRead(BaseModel):
    id: UUID
    href: str
    direction: MessageDirection
    type: MessageType
    status: MessageStatus
    channel: Channel
    country: str
    dispatch_id: UUID | None
    request_id: UUID | None
    inbound_id: UUID | None
    case_id: UUID | None
    partner_reference: str | None
    partner_message_reference: str | None
    answers_id: UUID | None = Field(description="The message this one answers")
    answered_at: AwareDatetime | None = Field(
        description="A question: when its answer came (null: still pending)"
    )
    legal_basis: str | None
    handling_code: HandlingCode
    text: str | None = Field(description="null once erased (retention)")
    attachments: list[AttachmentRead]
    attempts: int
    error: str | None
    created_by: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    delivered_at: AwareDatetime | None
    received_at: AwareDatetime | None
    route: RouteRead | None = Field(
        default=None, description="Outgoing spontaneous information: the channel it took, why"
    )


class MessageList(BaseModel):
    items: list[MessageRead]
    next_cursor: str | None

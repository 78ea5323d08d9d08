"""Wire messages of the inbound side: what a partner sends us, and what we send back.

- ``PartnerMessage`` (adapter worker → ``oss_router.inbound`` queue → registrar): a request a
  partner sent through a channel, or the partner's answer to our clarification request.
- ``ReplyEnvelope`` (outbox → the channel's dispatch queue → worker → adapter ``reply``): our
  answer, refusal, clarification request or delay notice about a request we received.
- ``ReplyResult`` (worker → results exchange → tracker): the delivery of one reply.

Messages that share a queue with the dispatch messages are told apart by the
``MESSAGE_TYPE_HEADER`` header (absent: a dispatch or a dispatch result, as before).
"""

from typing import Annotated, Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, WithJsonSchema

from oss_router.messages.codes import (
    RECEIVING_CHANNELS,
    AccessType,
    Channel,
    HandlingCode,
    Kind,
    MessageType,
    ReplyType,
    Urgency,
    UrgencyGround,
)
from oss_router.messages.conversation import WireAttachment

MESSAGE_TYPE_HEADER = "x-oss-type"
REPLY_TYPE = "reply"  # on a channel's dispatch queue
REPLY_RESULT_TYPE = "reply-result"  # on the results queue

# ``request``: a new request; ``clarification``: the partner's answer to our clarification
# request (the inbound state machine); ``message``: any other message of a conversation
# (``message_type`` says which: a follow-up, an answer to ours, spontaneous information...).
PartnerMessageType = Literal["request", "clarification", "message"]


def _receiving(channel: Channel) -> Channel:
    if channel not in RECEIVING_CHANNELS:
        raise ValueError(
            f"Requests do not arrive through {channel}: another state's automated search is "
            "answered by our databases themselves; register its follow-up under europol."
        )
    return channel


# A channel partners send the bureau requests through (``RECEIVING_CHANNELS``: not Prüm).
# The schema lists only those, so that clients (and the API fuzzer) know what is accepted.
ReceivingChannel = Annotated[
    Channel,
    AfterValidator(_receiving),
    WithJsonSchema(
        {"type": "string", "enum": [channel.value for channel in RECEIVING_CHANNELS]},
        mode="validation",
    ),
]
ReplyResultStatus = Literal["delivered", "failed"]


class PartnerMessage(BaseModel):
    """One message a partner sent the bureau through a channel (schema v1).

    ``partner_reference`` is the partner's own reference of the request: registration is
    deduplicated on (channel, partner_reference). For a ``clarification``, ``in_reply_to`` is
    the partner reference of the request it clarifies and ``text`` the partner's answer.

    For a ``message`` (issue 15), ``message_type`` says what it is and its thread is
    ``our_reference`` (the id of a dispatch of ours it is about), ``in_reply_to`` (the
    partner reference of a request they sent us), or neither (spontaneous information,
    Directive (EU) 2023/977 Art. 7, with ``legal_basis``); ``partner_reference`` is the
    partner's reference of this message, ``answers_id`` the message of ours it answers, and
    ``attachments`` the files it carries.
    ``message_id`` is derived from the channel and the partner's references
    (``partner_message_id``), so a message the adapter hands over twice keeps one id.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    type: PartnerMessageType = "request"
    channel: ReceivingChannel
    partner_reference: str
    in_reply_to: str | None = None
    text: str | None = None
    requesting_country: str
    requesting_authority: str
    received_at: AwareDatetime
    kind: Kind | None = None
    subject: dict[str, Any] | None = None
    purpose: str | None = None
    urgency: Urgency = Urgency.NORMAL
    urgency_ground: UrgencyGround | None = None
    access_type: AccessType | None = None
    language: str = "en"
    handling_code: HandlingCode = HandlingCode.H0
    unit: str | None = None  # the PCCC unit the request is addressed to, if any
    sis_alert_id: str | None = None  # SIRENE: the SIS alert the request is about
    correlation_id: str
    message_type: MessageType | None = None  # type "message" only
    our_reference: str | None = None
    answers_id: UUID | None = None
    legal_basis: str | None = None
    attachments: list[WireAttachment] = []


class ReplyEnvelope(BaseModel):
    """One reply of the bureau to a partner about a request it received (schema v1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    reply_id: UUID
    inbound_id: UUID
    correlation_id: str
    channel: Channel
    country: str  # the requesting state the reply goes to
    partner_reference: str
    reply_type: ReplyType
    body: dict[str, Any]
    handling_code: HandlingCode
    created_at: AwareDatetime


class ReplyResult(BaseModel):
    """The delivery of one reply, reported by the worker of its channel (schema v1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    reply_id: UUID
    inbound_id: UUID
    correlation_id: str
    channel: Channel
    status: ReplyResultStatus
    partner_message_reference: str | None = None
    error: str | None = None
    attempts: int = 1
    occurred_at: AwareDatetime


def partner_message_id(channel: Channel | str, partner_reference: str, suffix: str = "") -> UUID:
    """Deterministic id of a partner message (``suffix`` tells a clarification apart)."""
    tail = f":{suffix}" if suffix else ""
    return uuid5(NAMESPACE_URL, f"urn:oss-router:inbound:{channel}:{partner_reference}{tail}")


def reply_result_message_id(reply_id: UUID, status: ReplyResultStatus, replay: int = 0) -> UUID:
    """Deterministic id of a reply's result, as ``result_message_id`` for dispatches."""
    suffix = f":replay-{replay}" if replay else ""
    return uuid5(NAMESPACE_URL, f"urn:oss-router:reply:{reply_id}:{status}{suffix}")

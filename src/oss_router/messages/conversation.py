"""Wire messages of conversations (issue 15): what the bureau sends a partner about an
exchange after it began, and how its delivery is reported.

- ``MessageEnvelope`` (outbox → the channel's dispatch queue, header ``x-oss-type: message``
  → worker → adapter ``send_message``): a follow-up, reminder, additional information,
  clarification, acknowledgement, answer or spontaneous information of ours.
- ``MessageResult`` (worker → results exchange, header ``x-oss-type: message-result`` →
  tracker): the delivery of one such message.

What partners send back travels as a ``PartnerMessage`` of type ``message``
(messages/inbound.py), registered once by the registrar.
"""

from typing import Annotated, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import AwareDatetime, Base64Bytes, BaseModel, ConfigDict, Field

from oss_router.messages.codes import Channel, HandlingCode, MessageType

MESSAGE_TYPE = "message"  # on a channel's dispatch queue
MESSAGE_RESULT_TYPE = "message-result"  # on the results queue

MessageResultStatus = Literal["delivered", "failed"]


class WireAttachment(BaseModel):
    """One file carried with a message, bytes included (base64 in JSON).

    ``sha256`` is the hex digest of ``content``: the receiving side checks it, and the
    content type against the bytes, before it stores anything.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    attachment_id: UUID
    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: str
    size: int
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    content: Base64Bytes


class MessageEnvelope(BaseModel):
    """One message of the bureau to a partner about an exchange (schema v1).

    Exactly one thread: ``dispatch_id`` (a dispatch of ours; ``our_reference`` is its id as
    the partner knows it), ``inbound_id`` (a request the partner sent; ``partner_reference``
    is theirs), or neither (spontaneous information, ``legal_basis`` set).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID  # a new id per publish, as a dispatch's
    exchange_message_id: UUID  # the message's row: the channel's idempotency key
    correlation_id: str
    channel: Channel
    country: str  # the partner state it goes to
    type: MessageType
    dispatch_id: UUID | None = None
    inbound_id: UUID | None = None
    our_reference: str | None = None
    partner_reference: str | None = None
    answers_id: UUID | None = None  # our answer to the partner's question
    legal_basis: str | None = None
    handling_code: HandlingCode
    text: str
    attachments: list[WireAttachment] = []
    created_at: AwareDatetime


class MessageResult(BaseModel):
    """The delivery of one message, reported by the worker of its channel (schema v1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    message_id: UUID
    exchange_message_id: UUID
    correlation_id: str
    channel: Channel
    status: MessageResultStatus
    partner_message_reference: str | None = None
    error: str | None = None
    attempts: int = 1
    occurred_at: AwareDatetime


def message_result_message_id(
    exchange_message_id: UUID, status: MessageResultStatus, replay: int = 0
) -> UUID:
    """Deterministic id of a message's delivery result, as ``reply_result_message_id``."""
    suffix = f":replay-{replay}" if replay else ""
    return uuid5(NAMESPACE_URL, f"urn:oss-router:message:{exchange_message_id}:{status}{suffix}")

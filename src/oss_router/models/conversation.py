"""Conversations: every message exchanged about an exchange after it began, and attachments.

Directive (EU) 2023/977 Art. 16(1)(a): the case management system records incoming and
outgoing requests "and any other communications relating to such requests". One row of
``exchange_messages`` per message, in either direction, on exactly one thread:

- a dispatch of ours (``dispatch_id`` and its ``request_id``): follow-ups, reminders,
  additional information, acknowledgements, and the partner's answers to them;
- a request received from a partner (``inbound_id``): the same, once we replied;
- spontaneous information (Directive Art. 7): no prior request; ``case_id`` is the case it
  belongs to (set when sent, and when a received one is filed).

An incoming message's ``id`` is derived from the channel and the partner's references
(``partner_message_id``), so a message registered twice is one row. Attachments are metadata
(``attachments``) and bytes (``attachment_contents``) in two tables, so that no read of a
message or a thread ever loads the bytes.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from oss_router.models.base import Base, JsonDoc, UTCDateTime, trigram_index


class ExchangeMessage(Base):
    __tablename__ = "exchange_messages"
    __table_args__ = (
        Index("ix_exchange_messages_dispatch", "dispatch_id", "created_at"),
        Index("ix_exchange_messages_request", "request_id", "created_at"),
        Index("ix_exchange_messages_inbound", "inbound_id", "created_at"),
        Index("ix_exchange_messages_case", "case_id", "created_at"),
        Index("ix_exchange_messages_status", "status", "updated_at"),
        Index("ix_exchange_messages_type", "type", "direction", "created_at"),
        trigram_index("ix_exchange_messages_search"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))  # MessageDirection
    type: Mapped[str] = mapped_column(String(32))  # MessageType
    # The thread: a dispatch of ours (with its request), a request received, or neither
    # (spontaneous information, held by ``case_id``).
    dispatch_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("dispatches.id"))
    request_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("exchange_requests.id"))
    inbound_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("inbound_requests.id"))
    case_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("case_files.id"))
    channel: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))  # the partner state
    # The partner's reference of the exchange the thread is about (the request they sent, or
    # their reference of our request), when known.
    partner_reference: Mapped[str | None] = mapped_column(String(100))
    # The partner's reference of this message: their receipt of an outgoing one, their own
    # message reference of an incoming one.
    partner_message_reference: Mapped[str | None] = mapped_column(String(100))
    answers_id: Mapped[UUID | None] = mapped_column(Uuid)  # the question this message answers
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a question's answer came
    legal_basis: Mapped[str | None] = mapped_column(Text)  # spontaneous information (Art. 7)
    handling_code: Mapped[str] = mapped_column(String(2))
    unit: Mapped[str | None] = mapped_column(String(100))  # the PCCC unit whose thread it is
    body: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # {"text": ...}; None once purged
    status: Mapped[str] = mapped_column(String(16))  # MessageStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))  # an officer, or "partner:<channel>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # as the partner sent it
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What ``GET /v1/search`` matches: normalised text (no diacritics, lower case); None once
    # purged.
    search_text: Mapped[str | None] = mapped_column(Text)


class Attachment(Base):
    """A file on a message: uploaded first (``message_id`` empty, only its uploader sees it),
    then sent with a message, or received with one."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_message", "message_id"),
        Index("ix_attachments_staged", "uploaded_by", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    message_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("exchange_messages.id"))
    filename: Mapped[str | None] = mapped_column(String(255))  # None once purged
    content_type: Mapped[str] = mapped_column(String(100))  # as found in the bytes
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttachmentContent(Base):
    """The bytes of one attachment (deleted by the retention purge)."""

    __tablename__ = "attachment_contents"

    attachment_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("attachments.id"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)

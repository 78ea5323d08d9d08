"""Requests received from partners, the bureau's replies to them, and their timeline.

Directive (EU) 2023/977 Art. 16(1)(a): the single point of contact records incoming requests
(and what it sends back) in its case management system. One row per request a partner sent,
unique on (channel, partner_reference): registering the same message twice finds the first.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oss_router.models.base import Base, BigId, JsonDoc, UTCDateTime, trigram_index


class InboundRequest(Base):
    __tablename__ = "inbound_requests"
    __table_args__ = (
        UniqueConstraint("channel", "partner_reference", name="uq_inbound_partner_reference"),
        Index("ix_inbound_status_due", "status", "due_at"),
        Index("ix_inbound_due", "due_at", "id"),
        Index("ix_inbound_received", "received_at", "id"),
        Index("ix_inbound_fingerprint", "kind", "subject_fingerprint"),
        Index("ix_inbound_assigned", "assigned_to", "status"),
        trigram_index("ix_inbound_search"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    partner_reference: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))  # channel | manual
    requesting_country: Mapped[str] = mapped_column(String(2))
    requesting_authority: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(100))  # PCCC unit it arrived for
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # None once purged
    subject_fingerprint: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    urgency_ground: Mapped[str | None] = mapped_column(String(40))
    # Ours to decide (from the national registers' configuration per kind); the officer may
    # correct it with a reason. ``access_type_source`` says which: registers | partner | officer.
    access_type: Mapped[str] = mapped_column(String(16))
    access_type_source: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    handling_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(24))
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_basis: Mapped[str] = mapped_column(Text)
    # While a clarification is awaited the clock stands still (Art. 6(3)): when it stopped.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    national_check: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    related: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    outcome: Mapped[str | None] = mapped_column(String(16))
    refusal_ground: Mapped[str | None] = mapped_column(String(40))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once by the deadline watch: its "exactly once" markers, as on dispatches.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correlation_id: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What ``GET /v1/search`` matches: normalised text (no diacritics, lower case) of the
    # subject fields and references; None once purged.
    search_text: Mapped[str | None] = mapped_column(Text)

    replies: Mapped[list["InboundReply"]] = relationship(
        back_populates="inbound", order_by="InboundReply.created_at", lazy="selectin"
    )
    events: Mapped[list["InboundEvent"]] = relationship(
        back_populates="inbound", order_by="InboundEvent.id", lazy="raise"
    )


class InboundReply(Base):
    """One reply to the partner (answer, refusal, clarification request, delay notice),
    delivered through the request's channel and tracked like a dispatch."""

    __tablename__ = "inbound_replies"
    __table_args__ = (
        Index("ix_inbound_replies_inbound", "inbound_id"),
        Index("ix_inbound_replies_status", "status", "updated_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    inbound_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("inbound_requests.id"))
    channel: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(24))
    body: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # None once purged
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    partner_message_reference: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inbound: Mapped[InboundRequest] = relationship(back_populates="replies")


class InboundEvent(Base):
    """The append-only timeline of a request received from a partner."""

    __tablename__ = "inbound_events"
    __table_args__ = (Index("ix_inbound_events_inbound", "inbound_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    inbound_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("inbound_requests.id"))
    reply_id: Mapped[UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc)

    inbound: Mapped[InboundRequest] = relationship(back_populates="events")

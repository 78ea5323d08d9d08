"""The exchange request: what was asked, about whom, to which countries, and its status."""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oss_router.models.base import Base, JsonDoc, UTCDateTime, trigram_index

if TYPE_CHECKING:
    from oss_router.models.dispatch import Dispatch
    from oss_router.models.event import RequestEvent


class ExchangeRequest(Base):
    __tablename__ = "exchange_requests"
    __table_args__ = (
        UniqueConstraint("idempotency_scope", "idempotency_key", name="uq_requests_idempotency"),
        Index("ix_requests_created", "created_at", "id"),
        Index("ix_requests_status_created", "status", "created_at"),
        Index("ix_requests_fingerprint", "kind", "subject_fingerprint"),
        trigram_index("ix_requests_search"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    subject_fingerprint: Mapped[str] = mapped_column(String(64))
    target_countries: Mapped[list[str]] = mapped_column(JsonDoc)
    purpose: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    urgency_ground: Mapped[str | None] = mapped_column(String(40))
    access_type: Mapped[str] = mapped_column(String(16))
    crime_area: Mapped[str] = mapped_column(String(40))
    sis_alert_id: Mapped[str | None] = mapped_column(String(64))
    border_area: Mapped[bool] = mapped_column(Boolean)
    handling_code: Mapped[str] = mapped_column(String(2))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(100))
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    policy_version: Mapped[str] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(String(16))  # desk | pccc
    created_by: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(100))
    idempotency_scope: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    body_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What ``GET /v1/search`` matches: normalised text (no diacritics, lower case) of the
    # subject fields and references; None once purged.
    search_text: Mapped[str | None] = mapped_column(Text)

    dispatches: Mapped[list["Dispatch"]] = relationship(
        back_populates="request", order_by="Dispatch.position", lazy="selectin"
    )
    events: Mapped[list["RequestEvent"]] = relationship(
        back_populates="request", order_by="RequestEvent.id", lazy="raise"
    )

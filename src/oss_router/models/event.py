"""The append-only timeline of a request."""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oss_router.models.base import Base, BigId, JsonDoc, UTCDateTime

if TYPE_CHECKING:
    from oss_router.models.request import ExchangeRequest


class RequestEvent(Base):
    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("exchange_requests.id"))
    dispatch_id: Mapped[UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc)

    request: Mapped["ExchangeRequest"] = relationship(back_populates="events")

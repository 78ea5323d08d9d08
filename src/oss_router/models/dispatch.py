"""One dispatch: the request sent through one channel to one target country."""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oss_router.models.base import Base, JsonDoc, UTCDateTime

if TYPE_CHECKING:
    from oss_router.models.request import ExchangeRequest


class Dispatch(Base):
    __tablename__ = "dispatches"
    __table_args__ = (
        Index("ix_dispatches_request", "request_id"),
        Index("ix_dispatches_status_due", "status", "due_at"),
        Index("ix_dispatches_channel_status", "channel", "status"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    request_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("exchange_requests.id"))
    position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_basis: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    refusal_ground: Mapped[str | None] = mapped_column(String(1))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once by the deadline watch (sla/): when it flagged the dispatch overdue, and when it
    # warned that the deadline was near; each is the watch's "exactly once" marker.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the deadline watch sent its one automatic reminder (issue 15), if configured to.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped["ExchangeRequest"] = relationship(back_populates="dispatches")

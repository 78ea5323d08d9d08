"""Inbox of the tracker: result messages already applied, so a redelivery changes nothing."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Uuid
from sqlalchemy.orm import Mapped, mapped_column

from oss_router.models.base import Base, UTCDateTime


class ProcessedMessage(Base):
    __tablename__ = "processed_messages"

    message_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # pruning

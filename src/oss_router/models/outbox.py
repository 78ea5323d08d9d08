"""Transactional outbox: messages written with the business change, published by the relay."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from oss_router.models.base import Base, BigId, JsonDoc, UTCDateTime


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_unpublished", "published_at", "id"),
        Index("ix_outbox_exchange_message", "exchange_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    exchange: Mapped[str] = mapped_column(String(100))
    routing_key: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    dispatch_id: Mapped[UUID | None] = mapped_column(Uuid)
    # A reply to a partner (inbound side): the relay marks it sent as it does a dispatch.
    reply_id: Mapped[UUID | None] = mapped_column(Uuid)
    # A message of a conversation (conversations/): erased with its thread by the purge.
    exchange_message_id: Mapped[UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

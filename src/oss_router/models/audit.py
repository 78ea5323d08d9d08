"""The audit log (Law Enforcement Directive 2016/680 Art. 25): append-only, hash-chained."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from oss_router.models.base import Base, JsonDoc, UTCDateTime


class AuditEntry(Base):
    """One logged operation on personal data. Rows are never updated nor deleted (database
    triggers refuse it); each carries the hash of the previous one, so an edit made around the
    triggers breaks the chain that ``oss-router audit verify`` checks."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_request", "request_id", "seq"),
        Index("ix_audit_log_actor", "actor", "seq"),
        Index("ix_audit_log_action", "action", "seq"),
        Index("ix_audit_log_at", "at"),
        # Has this person been logged consulting this request lately? (decision 0019)
        Index("ix_audit_log_consulted", "request_id", "actor", "at"),
        Index("ix_audit_log_inbound", "inbound_id", "seq"),
    )

    # Assigned under the chain-head lock, so that seq order is commit order (no gaps).
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(100))
    request_id: Mapped[UUID | None] = mapped_column(Uuid)
    # A request received from a partner (inbound side); not part of the hashed fields of
    # entries written before it existed.
    inbound_id: Mapped[UUID | None] = mapped_column(Uuid)
    justification: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The single row naming the last entry; locking it serializes appends across processes."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))

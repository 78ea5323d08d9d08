"""Case files: one matter of the bureau, grouping the requests sent and received about it.

Directive (EU) 2023/977 Art. 16(1)(a): the case management system records incoming and
outgoing requests "and any other communications relating to such requests". A case holds
outgoing requests (``exchange_requests``) and requests received from partners
(``inbound_requests``) through ``case_links``: one row per request filed in a case, unique on
the request, so a request is in one case at most. Its history is ``case_events``
(append-only).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from oss_router.models.base import Base, BigId, JsonDoc, UTCDateTime, trigram_index


class CaseFile(Base):
    __tablename__ = "case_files"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_case_files_reference"),
        Index("ix_case_files_created", "created_at", "id"),
        Index("ix_case_files_status_created", "status", "created_at"),
        Index("ix_case_files_owner", "owner", "created_at"),
        trigram_index("ix_case_files_search"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100))  # the national case reference
    title: Mapped[str | None] = mapped_column(Text)  # None once purged (it may name a person)
    crime_area: Mapped[str] = mapped_column(String(40))
    handling_code: Mapped[str] = mapped_column(String(2))
    owner: Mapped[str] = mapped_column(String(200))  # the subject of the creator's token
    unit: Mapped[str | None] = mapped_column(String(100))  # a PCCC unit's own case
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What ``GET /v1/search`` matches: normalised text (no diacritics, lower case) of the
    # subject fields and references; None once purged.
    search_text: Mapped[str | None] = mapped_column(Text)


class CaseLink(Base):
    """A request filed in a case: exactly one of ``request_id`` (sent) and ``inbound_id``
    (received). Unlinking deletes the row; the case's timeline keeps both events."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("request_id", name="uq_case_links_request_id"),
        UniqueConstraint("inbound_id", name="uq_case_links_inbound_id"),
        CheckConstraint("(request_id IS NULL) <> (inbound_id IS NULL)", name="one_request"),
        Index("ix_case_links_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("case_files.id"))
    request_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("exchange_requests.id"))
    inbound_id: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("inbound_requests.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_by: Mapped[str] = mapped_column(String(200))


class CaseEvent(Base):
    """The append-only timeline of a case (created, linked, unlinked, closed, reopened)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("case_files.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[UUID | None] = mapped_column(Uuid)
    inbound_id: Mapped[UUID | None] = mapped_column(Uuid)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc)

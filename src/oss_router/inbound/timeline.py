"""The timeline of a request received from a partner: one append-only event per change
(``UnitOfWork.record_inbound_event``; this name is kept for the inbound package's callers)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from oss_router.unit_of_work import UnitOfWork


def record_inbound_event(
    work: UnitOfWork,
    *,
    inbound_id: UUID,
    type: str,
    actor: str,
    at: datetime,
    reply_id: UUID | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    work.record_inbound_event(
        inbound_id=inbound_id,
        type=type,
        actor=actor,
        at=at,
        reply_id=reply_id,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
    )

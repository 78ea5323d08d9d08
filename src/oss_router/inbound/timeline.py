"""The timeline of a request received from a partner: one append-only event per change."""

from datetime import datetime
from typing import Any
from uuid import UUID

from oss_router.models import InboundEvent
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
    """Append an event to the timeline of a received request (never updated afterwards,
    except by the retention purge, which strips free text)."""
    work.session.add(
        InboundEvent(
            inbound_id=inbound_id,
            reply_id=reply_id,
            at=at,
            type=type,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            detail=detail or {},
        )
    )

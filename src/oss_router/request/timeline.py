"""Appending events to a request's timeline (append-only: events are never updated, except by
the retention purge, which strips their free text: retention/service.py)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.models import RequestEvent


def record(
    session: AsyncSession,
    *,
    request_id: UUID,
    type: str,
    actor: str,
    at: datetime,
    dispatch_id: UUID | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        RequestEvent(
            request_id=request_id,
            dispatch_id=dispatch_id,
            at=at,
            type=type,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            detail=detail or {},
        )
    )

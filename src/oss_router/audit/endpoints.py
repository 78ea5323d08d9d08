"""``GET /v1/audit``: the audit log, for auditors only."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, AwareDatetime

from oss_router.audit import repository
from oss_router.audit.schemas import AuditEntryRead, AuditList
from oss_router.audit.service import Action
from oss_router.auth.principal import Principal, Role
from oss_router.deps import SessionDep, require_roles

router = APIRouter(prefix="/v1", tags=["audit"])

Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is out of range") from None


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


@router.get("/audit", response_model=AuditList)
async def list_audit_entries(
    session: SessionDep,
    _auditor: Auditor,
    request_id: UUID | None = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    action: Action | None = None,
    since: Annotated[Instant | None, Query(description="entries at or after")] = None,
    until: Annotated[Instant | None, Query(description="entries before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditList:
    filters = repository.AuditFilters(
        request_id=request_id,
        actor=actor,
        action=action.value if action else None,
        since=since,
        until=until,
    )
    rows, next_cursor = await repository.page(session, filters, limit=limit, cursor=cursor)
    return AuditList(
        items=[AuditEntryRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )

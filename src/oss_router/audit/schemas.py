"""API schemas of the audit log (AuditEntryRead / AuditList)."""

from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: AwareDatetime
    action: str
    actor: str
    role: str
    unit: str | None
    request_id: UUID | None
    justification: str | None
    recipients: list[dict[str, Any]]
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditList(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None

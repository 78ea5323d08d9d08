"""API schemas of the audit log (AuditEntryRead / AuditList)."""

from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: AwareDatetime
    action: str
    actor: str
    role: str
    unit: str | None
    request_id: UUID | None
    inbound_id: UUID | None = Field(
        default=None, description="The request received from a partner it concerns, if any"
    )
    justification: str | None
    recipients: list[dict[str, Any]]
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditList(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None


class ChainPosition(BaseModel):
    seq: int
    hash: str


class BadEntry(BaseModel):
    seq: int = Field(description="the first entry that no longer matches the chain")
    reason: str


class AuditVerification(BaseModel):
    """The hash chain's state, computed by the verifier of ``oss-router audit verify``."""

    status: Literal["intact", "broken", "empty"]
    entries: int = Field(description="entries found intact: all of them, or those before first_bad")
    head: ChainPosition | None = Field(description="the chain head as stored; null when empty")
    first_bad: BadEntry | None
    checked_at: AwareDatetime
    full_walk_at: AwareDatetime = Field(
        description="when this server last walked the whole chain (checked_at only walks the "
        "entries appended since)"
    )

"""Status change notices fanned out to every gateway replica for live screens (best effort)."""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from oss_router.messages.codes import DispatchStatus, RequestStatus


class StatusNotice(BaseModel):
    """A request or one of its dispatches changed status (schema v1). Carries no personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    request_id: UUID
    request_status: RequestStatus
    dispatch_id: UUID | None = None
    dispatch_status: DispatchStatus | None = None
    at: AwareDatetime

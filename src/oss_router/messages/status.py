"""Status change notices fanned out to every gateway replica for live screens (best effort)."""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from oss_router.messages.codes import DispatchStatus, RequestStatus

NoticeEvent = Literal["status_changed", "deadline_warning", "overdue"]


class StatusNotice(BaseModel):
    """A request or one of its dispatches changed (schema v1). Carries no personal data.

    ``event`` says what happened: a status change (the default, the only kind before the
    deadline watch), a deadline coming near, or a deadline passed without an answer.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    request_id: UUID
    request_status: RequestStatus
    dispatch_id: UUID | None = None
    dispatch_status: DispatchStatus | None = None
    at: AwareDatetime
    event: NoticeEvent = "status_changed"

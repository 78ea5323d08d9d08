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


class StatusNotices(BaseModel):
    """The body of one message on the status fan-out exchange: the notices of one batch (one
    tracker transaction, one deadline sweep, the gateway's notices of a moment), in order.

    One message per batch instead of one per notice: one publish and one confirm for the
    publisher, one delivery and one ack for each gateway (decision 0011).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    notices: list[StatusNotice]

"""Status change notices fanned out to every gateway replica for live screens (best effort)."""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from oss_router.messages.codes import DispatchStatus, InboundStatus, ReplyStatus, RequestStatus

NoticeEvent = Literal["status_changed", "deadline_warning", "overdue", "message"]


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


InboundNoticeEvent = Literal[
    "status_changed", "reply_status", "deadline_warning", "overdue", "message"
]
INBOUND_NOTICES_TYPE = "inbound-notices"  # the ``x-oss-type`` header of an InboundNotices body


class InboundNotice(BaseModel):
    """A request received from a partner changed (schema v1). Carries no personal data.

    ``event``: a status change (taken, answered, ...; also an assignment or a new due time,
    which keep the status), a reply's delivery moving (``reply_id``, ``reply_status``), or the
    deadline watch's warning or overdue flag. The Incoming queue re-reads what changed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    inbound_id: UUID
    status: InboundStatus
    reply_id: UUID | None = None
    reply_status: ReplyStatus | None = None
    at: AwareDatetime
    event: InboundNoticeEvent = "status_changed"


class InboundNotices(BaseModel):
    """A batch of inbound notices: a message of its own on the status fan-out exchange, with
    header ``x-oss-type: inbound-notices``, so that the ``StatusNotices`` bodies stay exactly
    as they were for gateways of earlier versions (which skip this one as not theirs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    notices: list[InboundNotice]


CaseNoticeEvent = Literal["message", "changed"]
CASE_NOTICES_TYPE = "case-notices"  # the ``x-oss-type`` header of a CaseNotices body


class CaseNotice(BaseModel):
    """A case file changed in a way no request's notice tells (schema v1): ``message``, a
    message on the case's own thread moved (spontaneous information sent, delivered);
    ``changed``, an event on the case's timeline (opened, something filed in it or taken out,
    closed, reopened). Carries no personal data. The case pages re-read what changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    case_id: UUID
    at: AwareDatetime
    event: CaseNoticeEvent = "message"


class CaseNotices(BaseModel):
    """A batch of case notices: a message of its own on the status fan-out exchange, with
    header ``x-oss-type: case-notices`` (gateways of earlier versions skip it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    notices: list[CaseNotice]

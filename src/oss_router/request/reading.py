"""A request as the API shows it (``RequestRead``), with what a supervisor may do about each of
its dispatches now: the channels it could be re-routed to, whether it can be retried."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.auth.principal import Principal
from oss_router.auth.scope import sees_unit
from oss_router.conversations import reads as conversation_reads
from oss_router.conversations.reads import DispatchConversation, without_answer_unless_asked
from oss_router.conversations.schemas import MessageRead
from oss_router.conversations.service import dispatch_message_types, reminder_refusal
from oss_router.dispatch.lifecycle import is_terminal
from oss_router.dispatch.staging import retry_refusal
from oss_router.models import CaseFile, Dispatch, ExchangeMessage, ExchangeRequest, RequestEvent
from oss_router.registers.service import NationalCheck
from oss_router.request import repository
from oss_router.request.follow_up import follow_up_refusal
from oss_router.request.reroute import reroute_channels
from oss_router.request.schemas import CaseRef, DispatchRead, EventRead, RequestRead
from oss_router.routing.policy import RoutingPolicy


@dataclass(frozen=True)
class Thread:
    """The messages of a request's dispatches: as rows (for the summaries) and as shown."""

    rows: list[ExchangeMessage]
    reads: list[MessageRead]


async def case_of(
    session: AsyncSession, request: ExchangeRequest, principal: Principal
) -> CaseFile | None:
    """The case the request is filed in, if the principal may see it."""
    case = await repository.case_holding(session, request.id)
    return case if case is not None and sees_unit(principal, case.unit) else None


async def thread_of(session: AsyncSession, request: ExchangeRequest) -> Thread:
    rows = await conversation_reads.dispatch_threads(session, [d.id for d in request.dispatches])
    return Thread(rows, await conversation_reads.reads_of(session, rows))


def to_read(
    request: ExchangeRequest,
    now: datetime,
    policy: RoutingPolicy,
    events: list[RequestEvent] | None = None,
    known_to_us: NationalCheck | None = None,
    thread: Thread | None = None,
    case: CaseFile | None = None,
) -> RequestRead:
    """``thread``: the conversation with the partners (the detail read only)."""
    talks = conversation_reads.summaries(thread.rows) if thread is not None else None
    dispatches = [
        _dispatch_read(request, dispatch, policy, now, talks) for dispatch in request.dispatches
    ]
    return RequestRead.model_validate(
        {
            **{name: getattr(request, name) for name in _REQUEST_FIELDS},
            "overdue": any(dispatch.overdue for dispatch in dispatches),
            "dispatches": dispatches,
            "events": [EventRead.model_validate(event) for event in events]
            if events is not None
            else None,
            "needs_action": any(dispatch.retry_allowed for dispatch in dispatches),
            "known_to_us": known_to_us,
            "messages": thread.reads if thread is not None else None,
            "case": _case_ref(case) if case is not None else None,
        }
    )


def _dispatch_read(
    request: ExchangeRequest,
    dispatch: Dispatch,
    policy: RoutingPolicy,
    now: datetime,
    talks: dict[UUID, DispatchConversation] | None,
) -> DispatchRead:
    overdue = not is_terminal(dispatch.status) and dispatch.due_at < now
    talk = talks.get(dispatch.id, DispatchConversation()) if talks is not None else None
    last_reminder = talk.last_reminder_at if talk is not None else None
    writable = request.purged_at is None
    return DispatchRead.model_validate(
        {
            **{key: getattr(dispatch, key) for key in _DISPATCH_FIELDS},
            "overdue": overdue,
            "reroute_channels": reroute_channels(policy, request, dispatch, now),
            "retry_allowed": retry_refusal(request, dispatch) is None,
            "follow_up_allowed": follow_up_refusal(request, dispatch) is None,
            "message_types_allowed": without_answer_unless_asked(
                dispatch_message_types(dispatch), talk is not None and talk.partner_asks
            )
            if writable
            else [],
            "reminder_allowed": writable and reminder_refusal(dispatch, now, last_reminder) is None,
            "messages_count": talk.messages if talk is not None else None,
            "follow_up_pending": talk.follow_up_pending if talk is not None else None,
            "reminders": talk.reminders if talk is not None else None,
        }
    )


# Every other field is the ORM attribute of the same name: one mapper, no field list by hand.
_REQUEST_COMPUTED = {
    "overdue",
    "dispatches",
    "events",
    "needs_action",
    "known_to_us",
    "messages",
    "case",
}
_REQUEST_FIELDS = [name for name in RequestRead.model_fields if name not in _REQUEST_COMPUTED]
_COMPUTED = {
    "overdue",
    "reroute_channels",
    "retry_allowed",
    "follow_up_allowed",
    "message_types_allowed",
    "reminder_allowed",
    "messages_count",
    "follow_up_pending",
    "reminders",
}
_DISPATCH_FIELDS = [name for name in DispatchRead.model_fields if name not in _COMPUTED]


def _case_ref(case: CaseFile) -> CaseRef:
    return CaseRef(
        id=case.id,
        reference=case.reference,
        title=case.title,
        status=case.status,
        href=f"/v1/cases/{case.id}",
    )

"""Sending messages about an exchange: follow-ups and the like on a dispatch of ours or on a
request we received, reminders of an overdue dispatch, spontaneous information in a case.
Never commits.

What may be sent when (docs/conversations.md):

- on a dispatch: once the partner answered, a follow-up, clarification, additional
  information, acknowledgement, or an answer to the partner's question; while it waits for
  the answer, additional information or an answer to a question of theirs; a reminder once it
  is overdue (at most one an hour). Prüm searches are automated: nothing to converse with;
- on a request received: the same once we replied;
- spontaneous information (Directive (EU) 2023/977 Art. 7): in an open case, routed by the
  routing policy like a request about the same kind of subject, with its legal basis.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from oss_router.attachments.limits import AttachmentLimits
from oss_router.audit.service import Actor
from oss_router.auth.principal import Principal, system_actor
from oss_router.conversations import repository
from oss_router.conversations.access import visible_thread
from oss_router.conversations.schemas import MessageCreate, ReminderCreate, SpontaneousCreate
from oss_router.conversations.staging import (
    Outgoing,
    Thread,
    in_case,
    on_dispatch,
    on_inbound,
    stage_message,
)
from oss_router.errors import Conflict, FieldError, NotFound, Unroutable, ValidationFailed
from oss_router.field_messages import as_sentence
from oss_router.messages.codes import (
    QUESTION_MESSAGE_TYPES,
    AccessType,
    Channel,
    DispatchStatus,
    MessageDirection,
    MessageType,
    ReplyStatus,
)
from oss_router.models import Dispatch, ExchangeMessage, ExchangeRequest, InboundRequest
from oss_router.routing.decision import DispatchDecision, RoutingQuery, RoutingRefused
from oss_router.routing.policy import RoutingPolicy
from oss_router.unit_of_work import UnitOfWork

REMINDER_INTERVAL = timedelta(hours=1)  # the least time between two reminders of a dispatch
DEADLINE_WATCH = system_actor("deadline-watch")
REMINDER_TEXT = (
    "Reminder: our request of {sent} has not been answered yet and its deadline passed "
    "on {due}. Please answer, or tell us when to expect the answer."
)

_AFTER_ANSWER = (
    MessageType.FOLLOW_UP,
    MessageType.CLARIFICATION,
    MessageType.ADDITIONAL_INFORMATION,
    MessageType.ACKNOWLEDGEMENT,
    MessageType.ANSWER,
)
_WHILE_WAITING = (MessageType.ADDITIONAL_INFORMATION, MessageType.ANSWER)
# Channels that carry no conversation: an automated database search (Prüm II, Regulation
# (EU) 2024/982) has no partner officer to write to; its follow-up is a request of its own.
_NO_CONVERSATION = frozenset({Channel.PRUM.value})
_REPLIED = frozenset({ReplyStatus.SENT.value, ReplyStatus.DELIVERED.value})


# -- what may be sent now -------------------------------------------------------------------


def dispatch_message_types(dispatch: Dispatch) -> list[MessageType]:
    """What an officer may write on the dispatch's thread now (a reminder aside)."""
    if dispatch.channel in _NO_CONVERSATION:
        return []
    if dispatch.status == DispatchStatus.ANSWERED.value:
        return list(_AFTER_ANSWER)
    if dispatch.status in (DispatchStatus.SENT.value, DispatchStatus.DELIVERED.value):
        return list(_WHILE_WAITING)
    return []


def reminder_refusal(dispatch: Dispatch, now: datetime, last: datetime | None) -> str | None:
    """Why no reminder may go now (None: it may)."""
    if dispatch.channel in _NO_CONVERSATION:
        return "A Prüm search is automated: there is no one to remind."
    if dispatch.status not in (DispatchStatus.SENT.value, DispatchStatus.DELIVERED.value):
        return f"The dispatch is {dispatch.status}: only one waiting for its answer is reminded."
    if dispatch.due_at >= now:
        return f"The dispatch is not overdue: its deadline is {dispatch.due_at.isoformat()}."
    if last is not None and now - last < REMINDER_INTERVAL:
        return (
            f"A reminder went at {last.isoformat()}: the next may go an hour later, "
            "so that the partner is not flooded."
        )
    return None


def inbound_message_types(inbound: InboundRequest) -> list[MessageType]:
    """What an officer may write on a received request's thread: nothing until we replied."""
    if inbound.purged_at is not None or not any(r.status in _REPLIED for r in inbound.replies):
        return []
    return list(_AFTER_ANSWER)


# -- sending ----------------------------------------------------------------------------------


async def send_on_dispatch(
    work: UnitOfWork,
    request_id: UUID,
    dispatch_id: UUID,
    body: MessageCreate,
    principal: Principal,
    now: datetime,
    limits: AttachmentLimits | None = None,
) -> ExchangeMessage:
    request, dispatch = await _dispatch(work, request_id, dispatch_id, principal)
    _require_type(MessageType(body.type), dispatch_message_types(dispatch), _dispatch_why(dispatch))
    case_id = await repository.case_holding(work.session, request_id=request.id)
    thread = on_dispatch(request, dispatch, case_id)
    return await _send(work, thread, body, principal, now, limits)


async def remind(
    work: UnitOfWork,
    request_id: UUID,
    dispatch_id: UUID,
    body: ReminderCreate,
    principal: Principal,
    now: datetime,
) -> ExchangeMessage:
    request, dispatch = await _dispatch(work, request_id, dispatch_id, principal)
    refusal = reminder_refusal(
        dispatch, now, await repository.last_reminder_at(work.session, dispatch.id)
    )
    if refusal is not None:
        raise Conflict("no reminder can go now", errors=[FieldError("dispatch_id", refusal)])
    text = body.text or reminder_text(dispatch)
    outgoing = Outgoing(MessageType.REMINDER, text, Actor.of(principal))
    case_id = await repository.case_holding(work.session, request_id=request.id)
    thread = on_dispatch(request, dispatch, case_id)
    return await stage_message(work, thread, outgoing, principal, now)


async def remind_automatically(
    work: UnitOfWork, request: ExchangeRequest, dispatch: Dispatch, now: datetime
) -> ExchangeMessage | None:
    """The deadline watch's one reminder of an overdue dispatch (``reminded_at`` is its
    marker), when OSS_ROUTER_AUTOMATIC_REMINDERS is on. None when no reminder may go."""
    if dispatch.reminded_at is not None:
        return None
    if reminder_refusal(dispatch, now, None) is not None:
        return None
    dispatch.reminded_at = now
    outgoing = Outgoing(MessageType.REMINDER, reminder_text(dispatch), Actor.system(DEADLINE_WATCH))
    case_id = await repository.case_holding(work.session, request_id=request.id)
    thread = on_dispatch(request, dispatch, case_id)
    return await stage_message(work, thread, outgoing, None, now)


def reminder_text(dispatch: Dispatch) -> str:
    return REMINDER_TEXT.format(
        sent=dispatch.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        due=dispatch.due_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


async def send_on_inbound(
    work: UnitOfWork,
    inbound_id: UUID,
    body: MessageCreate,
    principal: Principal,
    now: datetime,
    limits: AttachmentLimits | None = None,
) -> ExchangeMessage:
    found = await repository.inbound(work.session, inbound_id)
    inbound = visible_thread(found, principal, "received request")
    why = "Reply to the request first: the conversation continues once our reply went out."
    _require_type(MessageType(body.type), inbound_message_types(inbound), why)
    case_id = await repository.case_holding(work.session, inbound_id=inbound.id)
    return await _send(work, on_inbound(inbound, case_id), body, principal, now, limits)


async def send_spontaneous(
    work: UnitOfWork,
    case_id: UUID,
    body: SpontaneousCreate,
    policy: RoutingPolicy,
    principal: Principal,
    now: datetime,
    limits: AttachmentLimits | None = None,
) -> ExchangeMessage:
    """Spontaneous information (Directive (EU) 2023/977 Art. 7) to one partner, in a case."""
    case = visible_thread(await repository.case(work.session, case_id), principal, "case")
    if case.status != "open":
        raise Conflict(
            "the case is closed",
            errors=[FieldError("case_id", "Reopen the case to send information in it.")],
        )
    chosen = _route(policy, body, case.crime_area, now)
    if chosen.channel.value in _NO_CONVERSATION:
        raise Unroutable(
            "spontaneous information does not go through Prüm",
            errors=[
                FieldError(
                    "kind",
                    as_sentence(
                        "Prüm carries automated searches only; send the information about "
                        "the person or the case instead"
                    ),
                )
            ],
        )
    route = {
        "channel": chosen.channel.value,
        "rule": chosen.rule,
        "explanation": chosen.explanation,
    }
    thread = in_case(case, chosen.channel, chosen.country, body.handling_code)
    outgoing = Outgoing(
        MessageType.SPONTANEOUS,
        body.text,
        Actor.of(principal),
        attachment_ids=tuple(body.attachment_ids),
        legal_basis=body.legal_basis,
        route=route,
    )
    return await stage_message(work, thread, outgoing, principal, now, limits)


def _route(
    policy: RoutingPolicy, body: SpontaneousCreate, crime_area: str, now: datetime
) -> DispatchDecision:
    """The channel the routing policy names for a request about such a subject to that
    state: spontaneous information takes the same way (422 naming the field otherwise)."""
    query = RoutingQuery(
        kind=body.kind,
        target_countries=(body.country,),
        received_at=now,
        urgency=body.urgency,
        access_type=AccessType.INDIRECT,
        crime_area=crime_area,
    )
    try:
        return policy.decide(query).dispatches[0]
    except RoutingRefused as refused:
        field = "country" if refused.field.startswith("target_countries") else refused.field
        raise Unroutable(
            refused.reason,
            errors=[FieldError(field, as_sentence(refused.reason))],
            rule=refused.rule,
        ) from None


# -- helpers --------------------------------------------------------------------------------


async def _dispatch(
    work: UnitOfWork, request_id: UUID, dispatch_id: UUID, principal: Principal
) -> tuple[ExchangeRequest, Dispatch]:
    found = await repository.request_with_dispatches(work.session, request_id)
    request = visible_thread(found, principal, "request")
    dispatch = next((d for d in request.dispatches if d.id == dispatch_id), None)
    if dispatch is None:
        raise NotFound("no such dispatch of this request")
    if request.purged_at is not None:
        raise Conflict(
            "the request was erased",
            errors=[FieldError("request_id", "Its data were erased (retention): nothing to add.")],
        )
    return request, dispatch


def _dispatch_why(dispatch: Dispatch) -> str:
    if dispatch.channel in _NO_CONVERSATION:
        return (
            "A Prüm search is automated: there is no one to write to. A hit is followed up "
            "with a request of its own (POST .../follow-up)."
        )
    return f"The dispatch is {dispatch.status}: the partner has not received it."


def _require_type(wanted: MessageType, allowed: Sequence[MessageType], why: str) -> None:
    if wanted in allowed:
        return
    if allowed:
        why = (
            f"A {wanted.value.replace('_', ' ')} cannot go now; now the thread takes "
            + ", ".join(kind.value for kind in allowed)
            + "."
        )
    raise Conflict("this message cannot go now", errors=[FieldError("type", why)])


async def _send(
    work: UnitOfWork,
    thread: Thread,
    body: MessageCreate,
    principal: Principal,
    now: datetime,
    limits: AttachmentLimits | None,
) -> ExchangeMessage:
    kind = MessageType(body.type)
    question = await _question_answered(work, thread, kind, body.answers_id)
    outgoing = Outgoing(
        kind,
        body.text,
        Actor.of(principal),
        attachment_ids=tuple(body.attachment_ids),
        answers_id=body.answers_id,
    )
    message = await stage_message(work, thread, outgoing, principal, now, limits)
    if question is not None and question.answered_at is None:
        question.answered_at = now
        question.updated_at = now
    return message


async def _question_answered(
    work: UnitOfWork, thread: Thread, kind: MessageType, answers_id: UUID | None
) -> ExchangeMessage | None:
    """The partner's question an answer answers (422 naming ``answers_id`` otherwise)."""
    if kind is not MessageType.ANSWER:
        if answers_id is not None:
            raise _answers_refused("Only an answer names the question it answers.")
        return None
    if answers_id is None:
        raise _answers_refused("Name the partner's question this answers.")
    question = await repository.get(work.session, answers_id, lock=True)
    same_thread = question is not None and (
        (thread.dispatch is not None and question.dispatch_id == thread.dispatch.id)
        or (thread.inbound is not None and question.inbound_id == thread.inbound.id)
    )
    if (
        question is None
        or not same_thread
        or question.direction != MessageDirection.INCOMING.value
        or question.type not in QUESTION_MESSAGE_TYPES
    ):
        raise _answers_refused(f"{answers_id} is no question the partner asked on this thread.")
    return question


def _answers_refused(sentence: str) -> ValidationFailed:
    return ValidationFailed(
        "the answer names no question", errors=[FieldError("answers_id", sentence)]
    )

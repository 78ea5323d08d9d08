"""Working a received request: assign, answer, refuse, ask for clarification, notify a delay.
Never commits.

Each action locks the request, then checks in this order — and on any refusal changes
nothing: the caller may see it (404 otherwise: another PCCC unit's request does not show to
exist), its status allows the action (409, ``lifecycle``), the caller may take it (403:
officers and PCCC units take requests for themselves and reply to the ones they hold;
supervisors also assign to others and reply to any), and the body fits the request (422,
naming the field). Each reply goes to the partner through the request's channel
(``replies.stage_reply``) and is audited as a disclosure to the requesting authority
(LED 2016/680 Art. 25: to whom).
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from oss_router.audit import service as audit
from oss_router.audit.service import Action, Actor, AuditRecord
from oss_router.auth.principal import Principal, Role
from oss_router.errors import Conflict, FieldError, Forbidden, ValidationFailed
from oss_router.inbound import reply_repository as repository
from oss_router.inbound.access import assignee_name, visible_to
from oss_router.inbound.action_schemas import (
    AnswerBody,
    ClarificationRequestBody,
    DelayBody,
    RefuseBody,
)
from oss_router.inbound.deadlines import is_directive_request
from oss_router.inbound.lifecycle import (
    TRANSITIONS,
    IllegalInboundTransition,
    InboundAction,
    transition,
)
from oss_router.inbound.replies import renew_deadline_markers, stage_inbound_notice, stage_reply
from oss_router.inbound.timeline import record_inbound_event
from oss_router.messages.codes import Channel, InboundStatus, Outcome, ReplyType
from oss_router.models import InboundRequest
from oss_router.unit_of_work import UnitOfWork

MAX_DELAY = timedelta(days=365)


async def assign(
    work: UnitOfWork, inbound_id: UUID, officer: str, principal: Principal, now: datetime
) -> InboundRequest:
    """Take a request (``officer`` is the caller) or, for a supervisor, give it to someone."""
    inbound = await _open(work, inbound_id, principal, InboundAction.ASSIGN)
    me = assignee_name(principal)
    if principal.role is not Role.SUPERVISOR:
        if officer != me:
            raise Forbidden("only a supervisor assigns a request to someone else")
        if inbound.assigned_to not in (None, me):
            raise Conflict(
                f"the request is assigned to {inbound.assigned_to}; a supervisor can reassign it"
            )
    if inbound.assigned_to == officer:
        return inbound  # already theirs: nothing changes
    previous, assigned_before = inbound.status, inbound.assigned_to
    inbound.assigned_to = officer
    _move(
        work,
        inbound,
        transition(InboundAction.ASSIGN, previous),
        principal,
        now,
        "assigned",
        {
            "assigned_to": officer,
            "previously_assigned_to": assigned_before,
        },
    )
    return inbound


async def answer(
    work: UnitOfWork, inbound_id: UUID, body: AnswerBody, principal: Principal, now: datetime
) -> InboundRequest:
    """Answer with a hit (and the information) or no hit; closes the request."""
    inbound = await _reply_to(work, inbound_id, principal, InboundAction.ANSWER)
    if body.outcome == Outcome.HIT.value and not body.information:
        raise _invalid("information", "Give the information the answer provides for a hit.")
    inbound.outcome, inbound.answered_at = body.outcome, now
    content = {"outcome": body.outcome, "information": body.information}
    await _reply(work, inbound, InboundAction.ANSWER, content, principal, now, "answered")
    return inbound


async def refuse(
    work: UnitOfWork, inbound_id: UUID, body: RefuseBody, principal: Principal, now: datetime
) -> InboundRequest:
    """Refuse with reasons (Directive (EU) 2023/977 Art. 6(2)): a Directive request only on a
    ground of Art. 6(1)(a)-(h); a request of another channel with its own reason only."""
    inbound = await _reply_to(work, inbound_id, principal, InboundAction.REFUSE)
    directive = is_directive_request(Channel(inbound.channel), inbound.requesting_country)
    if directive and body.ground is None:
        raise _invalid(
            "ground",
            "Choose the ground of Directive (EU) 2023/977 Art. 6(1), a to h: this request "
            "came under the Directive, which allows a refusal on those grounds only.",
        )
    if not directive and body.ground is not None:
        raise _invalid(
            "ground",
            "Leave the ground out: the grounds of Directive (EU) 2023/977 Art. 6(1) apply to "
            "requests under the Directive only (SIENA from an EU or Schengen associated "
            "state); give the reason alone.",
        )
    inbound.outcome, inbound.answered_at = Outcome.REFUSED.value, now
    inbound.refusal_ground = body.ground.value if body.ground is not None else None
    content = {"ground": inbound.refusal_ground, "reason": body.reason}
    await _reply(work, inbound, InboundAction.REFUSE, content, principal, now, "refused")
    return inbound


async def request_clarification(
    work: UnitOfWork,
    inbound_id: UUID,
    body: ClarificationRequestBody,
    principal: Principal,
    now: datetime,
) -> InboundRequest:
    """Ask the partner to clarify (Directive (EU) 2023/977 Art. 6(3)). The clock stops when
    the partner receives the question (``replies.suspend_clock``, on its delivery) and
    resumes with the answer (``reply_results.apply_partner_clarification``)."""
    inbound = await _reply_to(work, inbound_id, principal, InboundAction.CLARIFICATION_REQUEST)
    content = {"question": body.question}
    await _reply(
        work,
        inbound,
        InboundAction.CLARIFICATION_REQUEST,
        content,
        principal,
        now,
        "clarification_requested",
    )
    return inbound


async def notify_delay(
    work: UnitOfWork, inbound_id: UUID, body: DelayBody, principal: Principal, now: datetime
) -> InboundRequest:
    """Tell the partner the answer will be late, why, and by when (Directive (EU) 2023/977
    Art. 5(2)(a): the expected delay with its duration and reasons, at once; (b) the
    information as soon as the judicial authorisation is obtained). The due time becomes
    ``expected_by``, its basis says why; the deadline watch starts afresh on it."""
    inbound = await _reply_to(work, inbound_id, principal, InboundAction.DELAY)
    if body.expected_by <= inbound.due_at:
        raise _invalid(
            "expected_by",
            f"Give a time after the current due time ({inbound.due_at.isoformat()}): a delay "
            "notice moves the deadline later.",
        )
    if body.expected_by > now + MAX_DELAY:
        raise _invalid("expected_by", "Give a time within a year from now.")
    directive = is_directive_request(Channel(inbound.channel), inbound.requesting_country)
    previous_due = inbound.due_at
    inbound.due_at = body.expected_by
    inbound.deadline_basis = _delay_basis(directive, body.reason)
    renew_deadline_markers(inbound, now)
    content = {
        "reason": body.reason,
        "expected_by": body.expected_by.isoformat(),
        "previous_due_at": previous_due.isoformat(),
        "delay_seconds": int((body.expected_by - previous_due).total_seconds()),
        "judicial_authorisation": directive,
    }
    await _reply(work, inbound, InboundAction.DELAY, content, principal, now, "delay_notified")
    return inbound


def _delay_basis(directive: bool, reason: str) -> str:
    if directive:
        return (
            "Directive (EU) 2023/977 Art. 5(2): deviation from the Art. 5(1) time limit to "
            f"obtain a judicial authorisation, delay notified — {reason}"
        )
    return f"delay notified to the partner — {reason}"


async def _open(
    work: UnitOfWork, inbound_id: UUID, principal: Principal, action: InboundAction
) -> InboundRequest:
    """The request, locked, if the caller may see it and its status allows ``action``."""
    inbound = visible_to(await repository.get_locked(work.session, inbound_id), principal)
    if inbound.purged_at is not None:
        raise Conflict("the request's personal data were erased; it cannot be worked any more")
    if InboundStatus(inbound.status) not in TRANSITIONS[action].sources:
        raise Conflict(str(IllegalInboundTransition(action, InboundStatus(inbound.status))))
    return inbound


async def _reply_to(
    work: UnitOfWork, inbound_id: UUID, principal: Principal, action: InboundAction
) -> InboundRequest:
    """``_open``, and the caller holds the request (or is a supervisor)."""
    inbound = await _open(work, inbound_id, principal, action)
    if principal.role is not Role.SUPERVISOR and inbound.assigned_to != assignee_name(principal):
        raise Forbidden(
            f"the request is assigned to {inbound.assigned_to}; only they or a supervisor "
            "reply to it"
        )
    return inbound


async def _reply(
    work: UnitOfWork,
    inbound: InboundRequest,
    action: InboundAction,
    content: dict[str, Any],
    principal: Principal,
    now: datetime,
    event: str,
) -> None:
    reply_type = TRANSITIONS[action].reply
    assert reply_type is not None  # every replying action names its reply type
    reply = stage_reply(work, inbound, reply_type, content, principal.actor, now)
    target = transition(action, inbound.status)
    detail = {"reply_id": str(reply.id), **_summary(reply_type, content)}
    _move(work, inbound, target, principal, now, event, detail)
    await audit.append(work.session, [_disclosure(inbound, reply_type, reply.id, principal)], now)


def _summary(reply_type: ReplyType, content: dict[str, Any]) -> dict[str, Any]:
    """What the timeline keeps of a reply (the free texts stay on the reply itself)."""
    keep = {"outcome", "ground", "expected_by", "previous_due_at", "judicial_authorisation"}
    return {"reply_type": reply_type.value, **{k: v for k, v in content.items() if k in keep}}


def _move(
    work: UnitOfWork,
    inbound: InboundRequest,
    target: InboundStatus,
    principal: Principal,
    now: datetime,
    event: str,
    detail: dict[str, Any],
) -> None:
    previous = inbound.status
    inbound.status = target.value
    inbound.updated_at = now
    if event == "delay_notified":
        detail |= {"due_at": inbound.due_at.isoformat(), "deadline_basis": inbound.deadline_basis}
    record_inbound_event(
        work,
        inbound_id=inbound.id,
        type=event,
        actor=principal.actor,
        at=now,
        from_status=previous,
        to_status=target.value,
        detail=detail,
    )
    stage_inbound_notice(work, inbound, now)


def _disclosure(
    inbound: InboundRequest, reply_type: ReplyType, reply_id: UUID, principal: Principal
) -> AuditRecord:
    """LED 2016/680 Art. 25: a reply to the partner discloses to the requesting authority."""
    return AuditRecord(
        Action.DISCLOSURE,
        Actor.of(principal),
        None,
        inbound.purpose,
        recipients=[
            {
                "channel": inbound.channel,
                "country": inbound.requesting_country,
                "authority": inbound.requesting_authority,
            }
        ],
        detail={"operation": reply_type.value, "reply_id": str(reply_id)},
        inbound_id=inbound.id,
    )


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(field, message)])

"""The state machine of a request received from a partner (docs/inbound.md, "Working a
received request").

::

    received ──assign──▶ assigned ──answer──▶ answered
                  │  ▲      │  ──refuse──▶ refused
                  │  │      │  ──delay──▶ assigned (a new due time, Art. 5(2))
                  │  │      └──clarification_request──▶ awaiting_clarification
                  │  └─────────── partner's clarification ───────┘
                  └─ assign (another officer) keeps the status, except received → assigned

``answered`` and ``refused`` are terminal: nothing leaves them. A reply (answer, refusal,
clarification request, delay notice) is only given by the request's officer, once it is
assigned: the officer who answers is the one who checked. While a clarification is awaited
the Directive's time limits are suspended (Directive (EU) 2023/977 Art. 6(3)), so the request
neither moves nor is flagged overdue until the partner answers (``replies.resume_clock``).

Pure: no database, no clock. ``transition`` says where an action takes a request in a status,
or raises ``IllegalInboundTransition`` (rendered 409).
"""

from dataclasses import dataclass
from enum import StrEnum

from oss_router.messages.codes import InboundStatus, ReplyStatus, ReplyType


class InboundAction(StrEnum):
    ASSIGN = "assign"
    ANSWER = "answer"
    REFUSE = "refuse"
    CLARIFICATION_REQUEST = "clarification_request"
    DELAY = "delay"
    CLARIFICATION_RECEIVED = "clarification_received"  # the partner's, not a person's action


S = InboundStatus

TERMINAL = frozenset({S.ANSWERED, S.REFUSED})
OPEN = frozenset(set(InboundStatus) - TERMINAL)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[InboundStatus]
    target: InboundStatus | None  # None: the status stays as it is
    reply: ReplyType | None = None


TRANSITIONS: dict[InboundAction, Rule] = {
    InboundAction.ASSIGN: Rule(frozenset({S.RECEIVED, S.ASSIGNED, S.AWAITING_CLARIFICATION}), None),
    InboundAction.ANSWER: Rule(frozenset({S.ASSIGNED}), S.ANSWERED, ReplyType.ANSWER),
    InboundAction.REFUSE: Rule(frozenset({S.ASSIGNED}), S.REFUSED, ReplyType.REFUSAL),
    InboundAction.CLARIFICATION_REQUEST: Rule(
        frozenset({S.ASSIGNED}), S.AWAITING_CLARIFICATION, ReplyType.CLARIFICATION_REQUEST
    ),
    InboundAction.DELAY: Rule(frozenset({S.ASSIGNED}), None, ReplyType.DELAY_NOTICE),
    InboundAction.CLARIFICATION_RECEIVED: Rule(frozenset({S.AWAITING_CLARIFICATION}), S.ASSIGNED),
}


class IllegalInboundTransition(Exception):
    def __init__(self, action: InboundAction, status: InboundStatus) -> None:
        super().__init__(f"the request is {status.value}; {_wording(action)} is not possible now")
        self.action = action
        self.status = status


def _wording(action: InboundAction) -> str:
    return {
        InboundAction.ASSIGN: "assigning it",
        InboundAction.ANSWER: "answering it",
        InboundAction.REFUSE: "refusing it",
        InboundAction.CLARIFICATION_REQUEST: "asking for clarification",
        InboundAction.DELAY: "notifying a delay",
        InboundAction.CLARIFICATION_RECEIVED: "taking a clarification",
    }[action]


def allows(action: InboundAction, status: InboundStatus | str) -> bool:
    return InboundStatus(status) in TRANSITIONS[action].sources


def transition(action: InboundAction, status: InboundStatus | str) -> InboundStatus:
    """The status ``action`` takes a request in ``status`` to (raises if not allowed)."""
    current = InboundStatus(status)
    rule = TRANSITIONS[action]
    if current not in rule.sources:
        raise IllegalInboundTransition(action, current)
    if action is InboundAction.ASSIGN:
        return S.ASSIGNED if current is S.RECEIVED else current
    return rule.target or current


def is_terminal(status: InboundStatus | str) -> bool:
    return InboundStatus(status) in TERMINAL


def clock_stopped(status: InboundStatus | str, suspended: bool) -> bool:
    """Whether the deadline does not run: closed, or suspended for a clarification (Art. 6(3):
    from the partner's receipt of our request for clarification until its answer)."""
    return is_terminal(status) or (InboundStatus(status) is S.AWAITING_CLARIFICATION and suspended)


# Replies: queued → sent → delivered | failed; failed → queued only by an operator's replay.
REPLY_TERMINAL = frozenset({ReplyStatus.DELIVERED, ReplyStatus.FAILED})
_REPLY_RANK = {
    ReplyStatus.QUEUED: 0,
    ReplyStatus.SENT: 1,
    ReplyStatus.DELIVERED: 2,
    ReplyStatus.FAILED: 2,
}


def reply_advances(current: ReplyStatus | str, target: ReplyStatus | str) -> bool:
    """Whether a reply in ``current`` moves to ``target``: forward only, never out of a
    terminal status (a repeat, a stale or a late message changes nothing)."""
    current, target = ReplyStatus(current), ReplyStatus(target)
    if current in REPLY_TERMINAL or current == target:
        return False
    return _REPLY_RANK[target] > _REPLY_RANK[current]

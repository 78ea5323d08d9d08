"""The one state machine of dispatches, and the request status derived from them.

Dispatch: queued → sent → delivered → answered | failed; cancelled from any non-terminal state.
Forward jumps are allowed (a worker may report ``delivered`` before the relay has recorded
``sent``); anything that would move a dispatch backwards is stale and ignored; nothing leaves a
terminal state — except by an explicit person's action: ``failed`` → ``queued``
(``replay_target``), never taken by a consumer, only by ``oss-router dead-letters replay`` or a
supervisor's retry (``request/retry.py``), both through ``staging.restage``, once the cause
is fixed.
"""

from collections.abc import Iterable
from typing import Protocol, TypeVar

from oss_router.messages.codes import DispatchStatus, RequestStatus

TERMINAL = frozenset({DispatchStatus.ANSWERED, DispatchStatus.FAILED, DispatchStatus.CANCELLED})

_RANK = {
    DispatchStatus.QUEUED: 0,
    DispatchStatus.SENT: 1,
    DispatchStatus.DELIVERED: 2,
    DispatchStatus.ANSWERED: 3,
    DispatchStatus.FAILED: 3,
    DispatchStatus.CANCELLED: 3,
}


class IllegalTransitionError(Exception):
    """The transition can never be legal (it leaves a terminal state)."""

    def __init__(self, current: DispatchStatus, target: DispatchStatus) -> None:
        super().__init__(f"dispatch is {current}; it cannot become {target}")
        self.current = current
        self.target = target


def is_terminal(status: DispatchStatus | str) -> bool:
    return DispatchStatus(status) in TERMINAL


def should_apply(current: DispatchStatus | str, target: DispatchStatus | str) -> bool:
    """Whether moving ``current`` to ``target`` changes anything.

    Returns False for a repeat or a stale (backwards) update, which callers ignore; raises
    ``IllegalTransitionError`` when ``current`` is terminal and ``target`` differs.
    """
    current, target = DispatchStatus(current), DispatchStatus(target)
    if current == target:
        return False
    if current in TERMINAL:
        raise IllegalTransitionError(current, target)
    if target is DispatchStatus.CANCELLED:
        return True
    return _RANK[target] > _RANK[current]


def replay_target(current: DispatchStatus | str) -> DispatchStatus:
    """Where an operator's replay takes a dispatch: a ``failed`` one goes back to ``queued``
    and the channel gets it again, with a fresh attempt counter (dead_letter/service.py).

    The one transition out of a terminal state, kept apart from ``should_apply`` so that no
    message can ever take it: only an explicit operator action, recorded on the timeline with
    the operator and the reason. Raises ``IllegalTransitionError`` for any other status.
    """
    current = DispatchStatus(current)
    if current is not DispatchStatus.FAILED:
        raise IllegalTransitionError(current, DispatchStatus.QUEUED)
    return DispatchStatus.QUEUED


class DispatchLike(Protocol):
    country: str
    position: int
    status: str


D = TypeVar("D", bound=DispatchLike)


def current_dispatches(dispatches: Iterable[D]) -> list[D]:
    """The dispatch of each target that counts: the last one to its country. An earlier one
    was superseded by a supervisor's re-routing (``request/reroute.py``), the only way a
    request gets a second dispatch to a country (intake refuses a target named twice)."""
    latest: dict[str, D] = {}
    for dispatch in dispatches:
        known = latest.get(dispatch.country)
        if known is None or dispatch.position > known.position:
            latest[dispatch.country] = dispatch
    return list(latest.values())


def is_superseded(dispatch: DispatchLike, dispatches: Iterable[DispatchLike]) -> bool:
    return any(
        other.country == dispatch.country and other.position > dispatch.position
        for other in dispatches
    )


def derive_request_status(
    statuses: Iterable[DispatchStatus | str], *, closed: bool = False
) -> RequestStatus:
    """The request's status from the statuses of its current dispatches (``current_dispatches``).

    A failed dispatch makes the request ``failed`` whatever the others' state: it needs a
    supervisor's action (retry, re-route, or cancelling the request), and must not hide behind
    an answer or a dispatch still in flight (decision 0018). ``closed``: the request was
    cancelled, so its failures need nobody's action any more and count as cancelled.
    """
    states = [DispatchStatus(status) for status in statuses]
    if closed:
        states = [DispatchStatus.CANCELLED if s is DispatchStatus.FAILED else s for s in states]
    if not states:
        return RequestStatus.QUEUED
    if DispatchStatus.FAILED in states:
        return RequestStatus.FAILED
    if all(state in TERMINAL for state in states):
        return _terminal_request_status(states)
    if any(_RANK[state] >= _RANK[DispatchStatus.DELIVERED] for state in states):
        return RequestStatus.IN_PROGRESS
    if all(_RANK[state] >= _RANK[DispatchStatus.SENT] for state in states):
        return RequestStatus.DISPATCHED
    return RequestStatus.QUEUED


def _terminal_request_status(states: list[DispatchStatus]) -> RequestStatus:
    if DispatchStatus.ANSWERED in states:
        return RequestStatus.ANSWERED
    return RequestStatus.CANCELLED


TERMINAL_REQUEST_STATUSES = frozenset(
    {RequestStatus.ANSWERED, RequestStatus.FAILED, RequestStatus.CANCELLED}
)
"""Statuses in which no dispatch moves by itself any more. ``failed`` is one of them only in
this sense: a dispatch of a failed request may still be in flight (``derive_request_status``)."""

CLOSED_REQUEST_STATUSES = frozenset({RequestStatus.ANSWERED, RequestStatus.CANCELLED})
"""A request in one of these statuses needs nobody's action: nothing to cancel or retry."""

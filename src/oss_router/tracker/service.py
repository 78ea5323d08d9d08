"""Applying result messages to their dispatches, a batch per transaction. Never commits."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from oss_router.auth.principal import system_actor
from oss_router.dispatch import repository
from oss_router.dispatch.lifecycle import IllegalTransitionError, is_terminal, should_apply
from oss_router.dispatch.transitions import move_dispatch, refresh_request_status
from oss_router.messages.codes import DispatchStatus
from oss_router.messages.result import DispatchResult
from oss_router.models import Dispatch, ExchangeRequest
from oss_router.tracker import inbox
from oss_router.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# The relay publishes dispatches; a "sent" the tracker records for it is still the relay's step.
RELAY = system_actor("relay")


@dataclass(frozen=True)
class Applied:
    """A transition a result made, with the request as it is now. A result that carries
    ``delivered_at`` may make two: ``delivered``, then its own status."""

    request: ExchangeRequest
    result: DispatchResult
    # The request's status right after this transition: a later one of the same batch may move
    # the request on, and each notice must tell the status its own transition produced.
    request_status: str
    dispatch_status: str


async def apply_results(
    uow: UnitOfWork, results: Sequence[DispatchResult], now: datetime
) -> list[Applied]:
    """Apply each result at most once, in the given order; returns those that changed
    something.

    The inbox rows make a redelivered message a no-op — even one that another tracker is
    applying at this very moment: inserting the same id waits for that transaction and then
    does nothing. The state machine makes a stale or reordered message a no-op too (e.g.
    ``delivered`` arriving after ``answered``). Requests are locked in id order, as the relay
    locks them, so that concurrent batches never deadlock.
    """
    fresh = await inbox.claim(uow.session, [result.message_id for result in results], now)
    todo = _unique(result for result in results if result.message_id in fresh)
    requests = await repository.for_transitions(
        uow.session, sorted({result.request_id for result in todo})
    )
    applied: list[Applied] = []
    for result in todo:
        request = requests.get(result.request_id)
        if request is not None:
            applied += _apply(uow, request, result, now)
    return applied


def _unique(results: Iterable[DispatchResult]) -> list[DispatchResult]:
    seen: set[UUID] = set()
    unique = []
    for result in results:
        if result.message_id not in seen:
            seen.add(result.message_id)
            unique.append(result)
    return unique


def _apply(
    uow: UnitOfWork, request: ExchangeRequest, result: DispatchResult, now: datetime
) -> list[Applied]:
    dispatch = _dispatch_of(request, result)
    if dispatch is None:
        log.warning("result %s names an unknown dispatch; ignored", result.message_id)
        return []
    actor = f"channel:{result.channel}"
    steps = []
    if dispatch.status == DispatchStatus.QUEUED.value:
        _record_implied_sent(uow, request, dispatch, result, now)
    if _carries_delivered(dispatch, result):
        # The same timeline as a separate "delivered" message would have produced.
        detail = {"attempts": result.attempts}
        move_dispatch(uow, request, dispatch, DispatchStatus.DELIVERED, actor, now, detail)
        refresh_request_status(uow, request, actor, now)
        steps.append(Applied(request, result, request.status, DispatchStatus.DELIVERED.value))
    if not _transition_allowed(uow, request, dispatch, result, now):
        return steps
    _copy_result(dispatch, result, now)
    move_dispatch(
        uow, request, dispatch, DispatchStatus(result.status), actor, now, _detail(result)
    )
    refresh_request_status(uow, request, actor, now)
    return [*steps, Applied(request, result, request.status, result.status)]


def _record_implied_sent(
    uow: UnitOfWork,
    request: ExchangeRequest,
    dispatch: Dispatch,
    result: DispatchResult,
    now: datetime,
) -> None:
    """A channel reports on a dispatch still ``queued``: the relay published it, and its own
    "sent" has not committed yet (it commits after the broker's confirm, and a quick answer can
    overtake it). Record that step now, so that every timeline reads queued → sent → ...; the
    relay's own transition then changes nothing."""
    detail = {"recorded_on": f"{result.status} from channel:{result.channel}"}
    move_dispatch(uow, request, dispatch, DispatchStatus.SENT, RELAY, now, detail)


def _carries_delivered(dispatch: Dispatch, result: DispatchResult) -> bool:
    """Whether ``result`` reports "delivered" too and the dispatch has not got there yet."""
    return (
        result.delivered_at is not None
        and result.status != "delivered"
        and not is_terminal(dispatch.status)
        and should_apply(dispatch.status, DispatchStatus.DELIVERED)
    )


def _dispatch_of(request: ExchangeRequest, result: DispatchResult) -> Dispatch | None:
    return next((d for d in request.dispatches if d.id == result.dispatch_id), None)


def _transition_allowed(
    uow: UnitOfWork,
    request: ExchangeRequest,
    dispatch: Dispatch,
    result: DispatchResult,
    now: datetime,
) -> bool:
    if is_terminal(dispatch.status) and result.status == "delivered":
        return False  # a late "delivered" after the answer: stale, nothing to say
    try:
        return should_apply(dispatch.status, result.status)
    except IllegalTransitionError as illegal:
        # A channel answering after a cancellation is worth seeing on the timeline.
        uow.record_event(
            request_id=request.id,
            dispatch_id=dispatch.id,
            type="result_ignored",
            actor=f"channel:{result.channel}",
            at=now,
            from_status=dispatch.status,
            to_status=result.status,
            detail={"reason": str(illegal)},
        )
        return False


def _copy_result(dispatch: Dispatch, result: DispatchResult, now: datetime) -> None:
    dispatch.attempts = max(dispatch.attempts, result.attempts)
    if result.status == "answered":
        dispatch.outcome = result.outcome.value if result.outcome else None
        dispatch.answer = _answer(result)
        dispatch.refusal_ground = result.refusal_ground.value if result.refusal_ground else None
        dispatch.answered_at = result.occurred_at
    if result.status == "failed":
        dispatch.error = result.error


def _answer(result: DispatchResult) -> dict[str, object] | None:
    """The channel's answer, with a refusal in the channel's own words kept beside it (no
    Art. 6(1) ground: the refusal was not one under Directive (EU) 2023/977)."""
    if result.refusal_reason is None:
        return result.answer
    return {**(result.answer or {}), "refusal_reason": result.refusal_reason}


def _detail(result: DispatchResult) -> dict[str, object]:
    detail: dict[str, object] = {"attempts": result.attempts}
    if result.outcome is not None:
        detail["outcome"] = result.outcome.value
    if result.refusal_ground is not None:
        detail["refusal_ground"] = result.refusal_ground.value
    if result.refusal_reason is not None:
        detail["refusal_reason"] = result.refusal_reason
    if result.error is not None:
        detail["error"] = result.error
    return detail

"""Applying one result message to its dispatch. Never commits."""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from oss_router.messages.codes import DispatchStatus
from oss_router.messages.result import DispatchResult
from oss_router.models import Dispatch, ExchangeRequest, ProcessedMessage
from oss_router.request import repository, timeline
from oss_router.request.lifecycle import IllegalTransitionError, is_terminal, should_apply
from oss_router.request.service import move_dispatch, refresh_request_status

log = logging.getLogger(__name__)


async def apply_result(
    session: AsyncSession, result: DispatchResult, now: datetime
) -> ExchangeRequest | None:
    """Apply ``result`` once; returns the changed request, or None when nothing changed.

    The inbox row makes a redelivered message a no-op; the state machine makes a stale or
    reordered one a no-op too (e.g. ``delivered`` arriving after ``answered``).
    """
    if await session.get(ProcessedMessage, result.message_id) is not None:
        return None
    session.add(ProcessedMessage(message_id=result.message_id, processed_at=now))
    request = await repository.get(session, result.request_id, lock=True)
    dispatch = _dispatch_of(request, result)
    if request is None or dispatch is None:
        log.warning("result %s names an unknown dispatch; ignored", result.message_id)
        return None
    if not _transition_allowed(session, request, dispatch, result, now):
        return None
    _copy_result(dispatch, result, now)
    actor = f"channel:{result.channel}"
    move_dispatch(
        session, request, dispatch, DispatchStatus(result.status), actor, now, _detail(result)
    )
    refresh_request_status(session, request, actor, now)
    return request


def _dispatch_of(request: ExchangeRequest | None, result: DispatchResult) -> Dispatch | None:
    if request is None:
        return None
    return next((d for d in request.dispatches if d.id == result.dispatch_id), None)


def _transition_allowed(
    session: AsyncSession,
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
        timeline.record(
            session,
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
        dispatch.answer = result.answer
        dispatch.refusal_ground = result.refusal_ground.value if result.refusal_ground else None
        dispatch.answered_at = result.occurred_at
    if result.status == "failed":
        dispatch.error = result.error


def _detail(result: DispatchResult) -> dict[str, object]:
    detail: dict[str, object] = {"attempts": result.attempts}
    if result.outcome is not None:
        detail["outcome"] = result.outcome.value
    if result.refusal_ground is not None:
        detail["refusal_ground"] = result.refusal_ground.value
    if result.error is not None:
        detail["error"] = result.error
    return detail

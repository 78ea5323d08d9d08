"""Result messages as a channel worker would publish them for a staged request's dispatch."""

from typing import Any

from oss_router.clock import utcnow
from oss_router.messages.result import DispatchResult, ResultStatus, result_message_id
from oss_router.models import ExchangeRequest

NO_RECORD = {"remarks": "No record found."}


def result_for(
    request: ExchangeRequest,
    status: ResultStatus,
    position: int = 0,
    attempts: int = 1,
    *,
    outcome: str = "no_hit",
    answer: dict[str, Any] | None = None,
) -> DispatchResult:
    """The ``status`` result of the request's ``position``-th dispatch (an answer carries
    ``outcome`` and ``answer``, "No record found." unless given; a failure a permanent error)."""
    dispatch = request.dispatches[position]
    answered = status == "answered"
    return DispatchResult(
        message_id=result_message_id(dispatch.id, status),
        request_id=request.id,
        dispatch_id=dispatch.id,
        correlation_id=str(request.id),
        channel=dispatch.channel,
        status=status,
        outcome=outcome if answered else None,
        answer=(answer or NO_RECORD) if answered else None,
        error="permanent error: refused" if status == "failed" else None,
        attempts=attempts,
        occurred_at=utcnow(),
    )

"""A request as the API shows it (``RequestRead``), with what a supervisor may do about each of
its dispatches now: the channels it could be re-routed to, whether it can be retried."""

from datetime import datetime

from oss_router.dispatch.lifecycle import is_terminal
from oss_router.dispatch.staging import retry_refusal
from oss_router.models import Dispatch, ExchangeRequest, RequestEvent
from oss_router.registers.service import NationalCheck
from oss_router.request.reroute import reroute_channels
from oss_router.request.schemas import DispatchRead, EventRead, RequestRead
from oss_router.routing.policy import RoutingPolicy


def to_read(
    request: ExchangeRequest,
    now: datetime,
    policy: RoutingPolicy,
    events: list[RequestEvent] | None = None,
    known_to_us: NationalCheck | None = None,
) -> RequestRead:
    dispatches = [_dispatch_read(request, dispatch, policy, now) for dispatch in request.dispatches]
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
        }
    )


def _dispatch_read(
    request: ExchangeRequest, dispatch: Dispatch, policy: RoutingPolicy, now: datetime
) -> DispatchRead:
    overdue = not is_terminal(dispatch.status) and dispatch.due_at < now
    return DispatchRead.model_validate(
        {
            **{key: getattr(dispatch, key) for key in _DISPATCH_FIELDS},
            "overdue": overdue,
            "reroute_channels": reroute_channels(policy, request, dispatch, now),
            "retry_allowed": retry_refusal(request, dispatch) is None,
        }
    )


# Every other field is the ORM attribute of the same name: one mapper, no field list by hand.
_REQUEST_COMPUTED = {"overdue", "dispatches", "events", "needs_action", "known_to_us"}
_REQUEST_FIELDS = [name for name in RequestRead.model_fields if name not in _REQUEST_COMPUTED]
_COMPUTED = {"overdue", "reroute_channels", "retry_allowed"}
_DISPATCH_FIELDS = [name for name in DispatchRead.model_fields if name not in _COMPUTED]

"""A request as the API shows it (``RequestRead``), with what a supervisor may do about each of
its dispatches now: the channels it could be re-routed to, whether it can be retried."""

from datetime import datetime

from oss_router.messages.codes import RequestStatus
from oss_router.models import Dispatch, ExchangeRequest, RequestEvent
from oss_router.request.lifecycle import is_terminal
from oss_router.request.reroute import reroute_channels
from oss_router.request.retry import retry_refusal
from oss_router.request.schemas import DispatchRead, EventRead, RequestRead, WarningRead
from oss_router.routing.policy import RoutingPolicy


def to_read(
    request: ExchangeRequest,
    now: datetime,
    policy: RoutingPolicy,
    events: list[RequestEvent] | None = None,
) -> RequestRead:
    dispatches = [_dispatch_read(request, dispatch, policy, now) for dispatch in request.dispatches]
    return RequestRead(
        id=request.id,
        status=RequestStatus(request.status),
        created_at=request.created_at,
        updated_at=request.updated_at,
        due_at=request.due_at,
        overdue=any(dispatch.overdue for dispatch in dispatches),
        warnings=[WarningRead.model_validate(warning) for warning in request.warnings],
        policy_version=request.policy_version,
        origin=request.origin,
        kind=request.kind,
        subject=request.subject,
        target_countries=request.target_countries,
        purpose=request.purpose,
        urgency=request.urgency,
        urgency_ground=request.urgency_ground,
        access_type=request.access_type,
        crime_area=request.crime_area,
        sis_alert_id=request.sis_alert_id,
        border_area=request.border_area,
        handling_code=request.handling_code,
        preferred_channel=request.preferred_channel,
        override_reason=request.override_reason,
        reference=request.reference,
        dispatches=dispatches,
        events=[EventRead.model_validate(event) for event in events]
        if events is not None
        else None,
        purged_at=request.purged_at,
        needs_action=any(dispatch.retry_allowed for dispatch in dispatches),
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


_COMPUTED = {"overdue", "reroute_channels", "retry_allowed"}
_DISPATCH_FIELDS = [name for name in DispatchRead.model_fields if name not in _COMPUTED]

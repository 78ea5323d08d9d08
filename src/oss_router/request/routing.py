"""The request as the routing policy reads it, and a refusal of the policy as the client reads
it (a 422 naming the field at fault). Intake, the preview, re-routing and the eligible channels
of ``DispatchRead`` all ask the policy through here."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from oss_router.errors import FieldError, Unroutable
from oss_router.field_messages import as_sentence
from oss_router.messages.codes import AccessType, Channel, Kind, Urgency, UrgencyGround
from oss_router.routing.decision import RoutingDecision, RoutingQuery, RoutingRefused
from oss_router.routing.policy import RoutingPolicy
from oss_router.routing.targets import about_a_target, route_each


class RoutingFacts(Protocol):
    """What the policy reads of a request: a payload (enums) or a stored request (strings)."""

    @property
    def kind(self) -> str: ...
    @property
    def urgency(self) -> str: ...
    @property
    def urgency_ground(self) -> str | None: ...
    @property
    def access_type(self) -> str: ...
    @property
    def crime_area(self) -> str: ...
    @property
    def sis_alert_id(self) -> str | None: ...
    @property
    def border_area(self) -> bool: ...


def routing_query(
    facts: RoutingFacts,
    targets: Sequence[str],
    received_at: datetime,
    *,
    preferred_channel: Channel | str | None = None,
    override_reason: str | None = None,
) -> RoutingQuery:
    return RoutingQuery(
        kind=Kind(facts.kind),
        target_countries=tuple(targets),
        received_at=received_at,
        urgency=Urgency(facts.urgency),
        urgency_ground=UrgencyGround(facts.urgency_ground) if facts.urgency_ground else None,
        access_type=AccessType(facts.access_type),
        crime_area=facts.crime_area,
        sis_alert_id=facts.sis_alert_id,
        border_area=facts.border_area,
        preferred_channel=Channel(preferred_channel) if preferred_channel else None,
        override_reason=override_reason,
    )


def decide(policy: RoutingPolicy, query: RoutingQuery, field: str | None = None) -> RoutingDecision:
    """The routing decision, or a 422 problem naming the field at fault: ``field`` when given
    (re-routing: the channel chosen), else the policy's field, every bad target."""
    try:
        return policy.decide(query)
    except RoutingRefused as refused:
        if field is not None:
            raise unroutable(refused, [FieldError(field, as_sentence(refused.reason))]) from None
        errors = _target_errors(policy, query) if about_a_target(refused) else []
        raise unroutable(refused, errors) from None


def unroutable(refused: RoutingRefused, errors: list[FieldError] | None = None) -> Unroutable:
    errors = errors or [FieldError(refused.field, as_sentence(refused.reason))]
    return Unroutable(refused.reason, errors=errors, rule=refused.rule)


def _target_errors(policy: RoutingPolicy, query: RoutingQuery) -> list[FieldError]:
    try:
        routings = route_each(policy, query)
    except RoutingRefused:
        return []  # a fault of the whole request as well: the first one found stands
    return [
        FieldError(r.refused.field, as_sentence(r.refused.reason)) for r in routings if r.refused
    ]

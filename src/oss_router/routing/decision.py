"""Inputs and outputs of the routing policy (a pure function of request, reference data, date)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oss_router.messages.codes import AccessType, Channel, Kind, Urgency, UrgencyGround


@dataclass(frozen=True)
class RoutingQuery:
    """What the policy needs to know about a request."""

    kind: Kind
    target_countries: tuple[str, ...]
    received_at: datetime
    urgency: Urgency = Urgency.NORMAL
    urgency_ground: UrgencyGround | None = None
    access_type: AccessType = AccessType.INDIRECT
    crime_area: str = "other"
    sis_alert_id: str | None = None
    border_area: bool = False
    preferred_channel: Channel | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class DispatchDecision:
    """The decision for one target country."""

    channel: Channel
    country: str
    rule: str  # "R1".."R6" or "OVERRIDE"
    explanation: str  # one sentence naming the facts that decided it
    due_at: datetime
    deadline_basis: str  # legal basis or service target that set due_at


@dataclass(frozen=True)
class RoutingWarning:
    code: str  # sis_alert_not_applicable | possible_duplicate | cc_europol_suggested
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingDecision:
    dispatches: tuple[DispatchDecision, ...]
    warnings: tuple[RoutingWarning, ...]
    policy_version: str


class RoutingRefused(Exception):
    """The policy refuses the request (R0, R7, ineligible override, guard): a 422 for the client.

    ``field`` names the request field at fault, e.g. ``target_countries[1]``.
    """

    def __init__(self, field: str, reason: str, rule: str | None = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.rule = rule

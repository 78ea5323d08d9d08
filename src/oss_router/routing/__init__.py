"""Routing policy: which channel carries each target country of a request, why, and by when."""

from oss_router.routing.decision import (
    DispatchDecision,
    RoutingDecision,
    RoutingQuery,
    RoutingRefused,
    RoutingWarning,
)
from oss_router.routing.policy import (
    POLICY_ID,
    PolicyConfigurationError,
    RoutingPolicy,
    load_policy,
)

__all__ = [
    "POLICY_ID",
    "DispatchDecision",
    "PolicyConfigurationError",
    "RoutingDecision",
    "RoutingPolicy",
    "RoutingQuery",
    "RoutingRefused",
    "RoutingWarning",
    "load_policy",
]

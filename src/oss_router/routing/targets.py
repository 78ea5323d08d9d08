"""Routing each target on its own, so that one bad target does not hide the others' routing.

The routing preview shows the route of every valid target next to the reason each bad one is
refused (unknown code, named twice, the home country, no channel, an override not eligible
there); intake refuses the whole request, naming every bad target at once.
"""

import dataclasses
from dataclasses import dataclass

from oss_router.routing.decision import DispatchDecision, RoutingQuery, RoutingRefused
from oss_router.routing.override import OVERRIDE_RULE
from oss_router.routing.policy import RoutingPolicy


@dataclass(frozen=True)
class TargetRouting:
    """One target of a query: its route, or why the policy refuses it."""

    index: int
    country: str
    dispatch: DispatchDecision | None = None
    refused: RoutingRefused | None = None

    @property
    def field(self) -> str:
        return f"target_countries[{self.index}]"


def route_each(policy: RoutingPolicy, query: RoutingQuery) -> list[TargetRouting]:
    """Every target of ``query`` routed alone, in order. A refusal that is not about one
    target (a missing urgency ground, an unknown crime area) is the whole query's: raised."""
    first_index: dict[str, int] = {}
    routings = []
    for index, country in enumerate(query.target_countries):
        if country in first_index:
            why = f"{country} is already target_countries[{first_index[country]}]"
            refused = RoutingRefused(f"target_countries[{index}]", why)
            routings.append(TargetRouting(index, country, refused=refused))
            continue
        first_index[country] = index
        routings.append(_route_one(policy, query, index, country))
    return routings


def _route_one(
    policy: RoutingPolicy, query: RoutingQuery, index: int, country: str
) -> TargetRouting:
    alone = dataclasses.replace(query, target_countries=(country,))
    try:
        [dispatch] = policy.decide(alone).dispatches
    except RoutingRefused as refused:
        if not about_a_target(refused):
            raise
        field = (
            f"target_countries[{index}]" if refused.field.startswith("target_") else refused.field
        )
        return TargetRouting(
            index, country, refused=RoutingRefused(field, refused.reason, refused.rule)
        )
    return TargetRouting(index, country, dispatch=dispatch)


def about_a_target(refused: RoutingRefused) -> bool:
    """Refused for one target: its code, or an override that cannot reach it."""
    if refused.field.startswith("target_countries["):
        return True
    return refused.field == "preferred_channel" and refused.rule == OVERRIDE_RULE

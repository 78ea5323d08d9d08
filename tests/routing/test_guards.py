"""Guards: a faulty query is refused (422) naming the field, before any rule runs."""

from collections.abc import Callable
from typing import Any

import pytest

from oss_router.messages.codes import AccessType, Channel, Kind, Urgency, UrgencyGround
from oss_router.routing import RoutingPolicy, RoutingQuery, RoutingRefused

QueryFactory = Callable[..., RoutingQuery]


@pytest.mark.parametrize(
    ("targets", "fields", "field", "reason"),
    [
        pytest.param((), {}, "target_countries", "at least one target country", id="empty"),
        pytest.param(("FR", "DE", "FR"), {}, "target_countries[2]",
                     "FR is already target_countries[0]", id="duplicate"),
        pytest.param(("FR", "ZZ"), {}, "target_countries[1]", "unknown country code 'ZZ'",
                     id="unknown-code"),
        pytest.param(("fr",), {}, "target_countries[0]", "unknown country code 'fr'",
                     id="lower-case-code"),
        pytest.param(("FR",), {"urgency": Urgency.URGENT}, "urgency_ground",
                     "an urgent request must state its ground", id="urgent-without-ground"),
        pytest.param(("FR",), {"crime_area": "shoplifting"}, "crime_area",
                     "unknown crime area 'shoplifting'", id="unknown-crime-area"),
        pytest.param(("FR",), {"kind": "animal"}, "kind", "unknown value 'animal'",
                     id="unknown-kind"),
        pytest.param(("FR",), {"urgency": "asap"}, "urgency", "unknown value 'asap'",
                     id="unknown-urgency"),
        pytest.param(("FR",), {"urgency": "urgent", "urgency_ground": "curiosity"},
                     "urgency_ground", "unknown value 'curiosity'", id="unknown-ground"),
        pytest.param(("FR",), {"access_type": "psychic"}, "access_type",
                     "unknown value 'psychic'", id="unknown-access-type"),
        pytest.param(("FR",), {"preferred_channel": "pigeon", "override_reason": "x"},
                     "preferred_channel", "unknown value 'pigeon'", id="unknown-channel"),
    ],
)  # fmt: skip
def test_guard(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    targets: tuple[str, ...],
    fields: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query(*targets, **fields))
    assert caught.value.field == field
    assert caught.value.reason.startswith(reason)
    assert str(caught.value) == f"{field}: {caught.value.reason}"


def test_guards_run_before_the_rules(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    # PL would be refused by R0, but the unknown code is named first.
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("PL", "ZZ"))
    assert caught.value.field == "target_countries[1]"
    assert caught.value.rule is None


@pytest.mark.parametrize("ground", list(UrgencyGround))
def test_every_urgency_ground_is_accepted(
    policy: RoutingPolicy, make_query: QueryFactory, ground: UrgencyGround
) -> None:
    decision = policy.decide(make_query("FR", urgency=Urgency.URGENT, urgency_ground=ground))
    assert len(decision.dispatches) == 1


def test_plain_string_values_are_accepted(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    query = make_query(
        "CZ",
        kind="vehicle",
        urgency="urgent",
        urgency_ground="loss_of_relevance",
        access_type="direct",
        border_area=True,
        preferred_channel="europol",
        override_reason="SIENA thread already open",
    )
    [dispatch] = policy.decide(query).dispatches
    assert dispatch.channel is Channel.EUROPOL
    assert dispatch.rule == "OVERRIDE"
    assert dispatch.deadline_basis.startswith("Directive (EU) 2023/977 Art. 5(1)(a)")
    assert (Kind("vehicle"), AccessType("direct")) == (Kind.VEHICLE, AccessType.DIRECT)


def test_crime_area_other_is_accepted(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    assert policy.decide(make_query("FR", crime_area="other")).dispatches

"""Warnings: sis_alert_not_applicable per skipped R1, cc_europol_suggested per Art. 12."""

from collections.abc import Callable
from typing import Any

import pytest

from oss_router.messages.codes import Channel
from oss_router.routing import RoutingPolicy, RoutingQuery

QueryFactory = Callable[..., RoutingQuery]


def _codes(policy: RoutingPolicy, query: RoutingQuery) -> list[tuple[str, dict[str, Any]]]:
    return [(w.code, w.details) for w in policy.decide(query).warnings]


def test_sis_alert_not_applicable_per_unconnected_target(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    query = make_query("FR", "UA", "CN", sis_alert_id="SIS-7")
    assert _codes(policy, query) == [
        ("sis_alert_not_applicable", {"country": "UA"}),
        ("sis_alert_not_applicable", {"country": "CN"}),
    ]
    message = policy.decide(query).warnings[0].message
    assert message.startswith(
        "SIS alert SIS-7 does not apply to UA: UA is not connected to the SIS"
    )


def test_no_sis_warning_without_an_alert(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    assert _codes(policy, make_query("UA", "CN")) == []


def test_no_sis_warning_when_every_target_is_connected(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    assert _codes(policy, make_query("FR", "IE", sis_alert_id="SIS-7")) == []


def test_sis_warning_stays_under_an_override(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    query = make_query(
        "UA", sis_alert_id="SIS-7", preferred_channel=Channel.INTERPOL, override_reason="notice"
    )
    assert _codes(policy, query) == [("sis_alert_not_applicable", {"country": "UA"})]


@pytest.mark.parametrize(
    ("targets", "crime_area", "eu_targets"),
    [
        pytest.param(("FR", "DE"), "terrorism", ["FR", "DE"], id="two-eu"),
        pytest.param(("FR", "UA", "IT", "NO"), "cybercrime", ["FR", "IT"], id="two-eu-of-four"),
        pytest.param(("BG", "RO", "HR"), "fraud", ["BG", "RO", "HR"], id="three-eu"),
    ],
)
def test_cc_europol_suggested(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    targets: tuple[str, ...],
    crime_area: str,
    eu_targets: list[str],
) -> None:
    query = make_query(*targets, crime_area=crime_area)
    assert _codes(policy, query) == [
        ("cc_europol_suggested", {"crime_area": crime_area, "countries": eu_targets})
    ]
    assert "Directive (EU) 2023/977 Art. 12" in policy.decide(query).warnings[0].message


@pytest.mark.parametrize(
    ("targets", "crime_area"),
    [
        pytest.param(("FR", "DE"), "other", id="outside-mandate"),
        pytest.param(("FR",), "terrorism", id="one-target"),
        pytest.param(("FR", "UA"), "terrorism", id="one-eu-target"),
        pytest.param(("FR", "NO"), "terrorism", id="schengen-associated-is-not-eu"),
        pytest.param(("NO", "CH", "IS"), "terrorism", id="no-eu-target"),
    ],
)
def test_cc_europol_not_suggested(
    policy: RoutingPolicy, make_query: QueryFactory, targets: tuple[str, ...], crime_area: str
) -> None:
    assert _codes(policy, make_query(*targets, crime_area=crime_area)) == []


def test_warnings_combine(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    query = make_query("FR", "DE", "UA", sis_alert_id="S", crime_area="murder")
    assert [code for code, _ in _codes(policy, query)] == [
        "sis_alert_not_applicable",
        "cc_europol_suggested",
    ]

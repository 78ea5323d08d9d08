"""Warnings: sis_alert_not_applicable per skipped R1, cc_europol_suggested per Art. 12 (for
what goes through SIENA under the Directive; the requesting state counts among those affected)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.routing.conftest import AFTER_PRUM

from oss_router.messages.codes import Channel, Kind
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
    ("targets", "crime_area", "siena", "affected"),
    [
        pytest.param(("FR", "DE"), "terrorism", ["FR", "DE"], ["DE", "FR", "PL"], id="two-eu"),
        pytest.param(("FR", "UA", "IT", "NO"), "cybercrime", ["FR", "IT", "NO"],
                     ["FR", "IT", "PL"], id="siena-targets-of-four"),
        pytest.param(("BG", "RO", "HR"), "fraud", ["BG", "RO", "HR"],
                     ["BG", "HR", "PL", "RO"], id="three-eu"),
        # Art. 12 and Europol's objectives count the requesting state among those affected.
        pytest.param(("FR",), "terrorism", ["FR"], ["FR", "PL"], id="one-eu-target-and-home"),
        pytest.param(("FR", "UA"), "terrorism", ["FR"], ["FR", "PL"], id="one-siena-target"),
    ],
)  # fmt: skip
def test_cc_europol_suggested(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    targets: tuple[str, ...],
    crime_area: str,
    siena: list[str],
    affected: list[str],
) -> None:
    query = make_query(*targets, crime_area=crime_area)
    assert _codes(policy, query) == [
        (
            "cc_europol_suggested",
            {"crime_area": crime_area, "countries": siena, "affected": affected},
        )
    ]
    message = policy.decide(query).warnings[0].message
    assert "Directive (EU) 2023/977 Art. 12" in message
    assert "case by case" in message


@pytest.mark.parametrize(
    ("targets", "crime_area", "fields"),
    [
        pytest.param(("FR", "DE"), "other", {}, id="outside-mandate"),
        # Schengen associated states are not member states: with PL, one affected.
        pytest.param(("NO", "CH", "IS"), "terrorism", {}, id="no-eu-target"),
        # Not exchanged through SIENA under the Directive: Art. 12 does not speak of it.
        pytest.param(("US",), "terrorism", {}, id="europol-partner-outside-directive"),
        pytest.param(("UA", "CN"), "terrorism", {}, id="no-siena-dispatch"),
        pytest.param(("DE", "FR"), "murder", {"kind": Kind.DNA, "received_at": AFTER_PRUM},
                     id="prum-searches-are-not-siena"),
    ],
)  # fmt: skip
def test_cc_europol_not_suggested(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    targets: tuple[str, ...],
    crime_area: str,
    fields: dict[str, Any],
) -> None:
    assert _codes(policy, make_query(*targets, crime_area=crime_area, **fields)) == []


def test_warnings_combine(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    # Before 2025 Bulgaria was not SIS-connected: its dispatch goes through SIENA (R3).
    before = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
    query = make_query("BG", "UA", sis_alert_id="S", crime_area="murder", received_at=before)
    assert [code for code, _ in _codes(policy, query)] == [
        "sis_alert_not_applicable",
        "sis_alert_not_applicable",
        "cc_europol_suggested",
    ]


def test_sirene_dispatches_are_not_siena_exchanges(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    query = make_query("FR", "DE", sis_alert_id="S", crime_area="murder")
    assert _codes(policy, query) == []

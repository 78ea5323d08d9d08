"""Rules R0, R1, P1, R2-R7, per target country, first match wins: each one firing and not
firing. Queries are received in 2025 unless they say otherwise: before the Prüm connections
(2026-11-21), so DNA lookups take R3 as under policy v1 — a v1 decision reads the same."""

from collections.abc import Callable
from typing import Any

import pytest
from tests.routing.conftest import AFTER_PRUM

from oss_router.messages.codes import Channel, Kind
from oss_router.routing import RoutingPolicy, RoutingQuery, RoutingRefused

QueryFactory = Callable[..., RoutingQuery]

SIS = {"sis_alert_id": "PL-SIS-0001"}
BORDER = {"border_area": True}
DNA = {"kind": Kind.DNA}
FINGERPRINT = {"kind": Kind.FINGERPRINT}
MANDATE = {"crime_area": "drug_trafficking"}
NOW = {"received_at": AFTER_PRUM}  # Prüm-connected states answer automated searches

# (id, target, query fields, expected rule, expected channel)
CASES: list[tuple[str, str, dict[str, Any], str, Channel]] = [
    # R1: SIS alert and SIS-connected target; DNA does not matter, it beats R2 and R3.
    ("R1-eu", "FR", SIS, "R1", Channel.SIRENE),
    ("R1-schengen-associated", "NO", SIS, "R1", Channel.SIRENE),
    ("R1-dna", "FR", {**SIS, **DNA}, "R1", Channel.SIRENE),
    ("R1-beats-R2", "CZ", {**SIS, **BORDER}, "R1", Channel.SIRENE),
    ("R1-not-without-alert", "FR", {}, "R3", Channel.EUROPOL),
    ("R1-not-for-unconnected", "UA", SIS, "R4", Channel.LIAISON_OFFICER),
    # R2: border area, PCCC partner, not DNA.
    ("R2-CZ", "CZ", BORDER, "R2", Channel.PCCC),
    ("R2-DE", "DE", BORDER, "R2", Channel.PCCC),
    ("R2-SK", "SK", BORDER, "R2", Channel.PCCC),
    ("R2-vehicle", "DE", {**BORDER, "kind": Kind.VEHICLE}, "R2", Channel.PCCC),
    ("R2-document", "SK", {**BORDER, "kind": Kind.DOCUMENT}, "R2", Channel.PCCC),
    ("R2-not-dna", "CZ", {**BORDER, **DNA}, "R3", Channel.EUROPOL),
    ("R2-not-without-border-area", "CZ", {}, "R3", Channel.EUROPOL),
    ("R2-not-for-non-partner", "FR", BORDER, "R3", Channel.EUROPOL),
    ("R2-not-for-LT-neighbour", "LT", BORDER, "R3", Channel.EUROPOL),
    # R3: EU27 or Schengen associated; beats R4 for liaison posts inside the EU.
    ("R3-eu", "PT", {}, "R3", Channel.EUROPOL),
    ("R3-eu-with-liaison-officer", "FR", {}, "R3", Channel.EUROPOL),
    ("R3-schengen-associated", "CH", {}, "R3", Channel.EUROPOL),
    ("R3-liechtenstein", "LI", {}, "R3", Channel.EUROPOL),
    ("R3-dna", "IT", DNA, "R3", Channel.EUROPOL),
    ("R3-not-for-GB", "GB", {}, "R4", Channel.LIAISON_OFFICER),
    # R4: liaison officer posted, not DNA.
    ("R4-UA", "UA", {}, "R4", Channel.LIAISON_OFFICER),
    ("R4-BY", "BY", {}, "R4", Channel.LIAISON_OFFICER),
    ("R4-RU", "RU", {}, "R4", Channel.LIAISON_OFFICER),
    ("R4-TR", "TR", {}, "R4", Channel.LIAISON_OFFICER),
    ("R4-beats-R5", "UA", MANDATE, "R4", Channel.LIAISON_OFFICER),
    ("R4-not-dna", "BY", DNA, "R6", Channel.INTERPOL),
    ("R4-not-dna-partner", "UA", {**DNA, **MANDATE}, "R6", Channel.INTERPOL),
    # R5: Europol operational partner, crime within mandate, not DNA.
    ("R5-US", "US", MANDATE, "R5", Channel.EUROPOL),
    ("R5-AL", "AL", {"crime_area": "cybercrime"}, "R5", Channel.EUROPOL),
    ("R5-not-outside-mandate", "US", {}, "R6", Channel.INTERPOL),
    ("R5-not-dna", "US", {**DNA, **MANDATE}, "R6", Channel.INTERPOL),
    ("R5-not-non-partner", "CN", MANDATE, "R6", Channel.INTERPOL),
    # R6: INTERPOL member.
    ("R6-CN", "CN", {}, "R6", Channel.INTERPOL),
    ("R6-VA", "VA", {}, "R6", Channel.INTERPOL),
    ("R6-PS", "PS", {}, "R6", Channel.INTERPOL),
    ("R6-AW", "AW", {}, "R6", Channel.INTERPOL),
    ("R6-dna", "BR", DNA, "R6", Channel.INTERPOL),
    # P1: DNA or fingerprints to a state that answers automated Prüm searches of that category.
    ("P1-dna-eu", "DE", {**DNA, **NOW}, "P1", Channel.PRUM),
    ("P1-fingerprint-eu", "FR", {**FINGERPRINT, **NOW}, "P1", Channel.PRUM),
    ("P1-schengen-associated", "NO", {**DNA, **NOW}, "P1", Channel.PRUM),
    ("P1-beats-R2", "CZ", {**FINGERPRINT, **BORDER, **NOW}, "P1", Channel.PRUM),
    ("P1-not-before-its-date", "DE", DNA, "R3", Channel.EUROPOL),
    ("P1-not-for-person", "DE", NOW, "R3", Channel.EUROPOL),
    ("P1-R1-first", "FR", {**SIS, **DNA, **NOW}, "R1", Channel.SIRENE),
    # Outside Prüm, DNA and fingerprints go to INTERPOL as before (R4 and R5 skip them).
    ("P1-not-GB", "GB", {**FINGERPRINT, **NOW}, "R6", Channel.INTERPOL),
    ("R4-not-fingerprint", "UA", {**FINGERPRINT, **NOW}, "R6", Channel.INTERPOL),
    ("R5-not-fingerprint", "US", {**FINGERPRINT, **MANDATE, **NOW}, "R6", Channel.INTERPOL),
    ("R2-not-fingerprint-before-prum", "CZ", {**FINGERPRINT, **BORDER}, "R3", Channel.EUROPOL),
]


@pytest.mark.parametrize(
    ("target", "fields", "rule", "channel"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rule(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    fields: dict[str, Any],
    rule: str,
    channel: Channel,
) -> None:
    [dispatch] = policy.decide(make_query(target, **fields)).dispatches
    assert (dispatch.rule, dispatch.channel, dispatch.country) == (rule, channel, target)


@pytest.mark.parametrize("fields", [{}, SIS, BORDER, DNA, MANDATE])
def test_r0_home_country_is_refused(
    policy: RoutingPolicy, make_query: QueryFactory, fields: dict[str, Any]
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("FR", "PL", **fields))
    assert (caught.value.field, caught.value.rule) == ("target_countries[1]", "R0")
    assert "PL is the home country" in caught.value.reason


@pytest.mark.parametrize("target", ["KP", "TW", "XK", "TV", "AQ", "PR"])
def test_r7_no_channel_is_refused(
    policy: RoutingPolicy, make_query: QueryFactory, target: str
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("DE", target, crime_area="fraud"))
    assert (caught.value.field, caught.value.rule) == ("target_countries[1]", "R7")
    assert f"no cooperation channel reaches {target}" in caught.value.reason


def test_r7_for_dna_names_the_exclusions(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("XK", kind=Kind.DNA))
    assert caught.value.rule == "R7"
    assert "DNA profiles" in caught.value.reason


def test_fan_out_one_dispatch_per_target_in_order(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    decision = policy.decide(
        make_query("FR", "CZ", "UA", "US", "CN", border_area=True, crime_area="fraud")
    )
    assert [(d.country, d.rule, d.channel) for d in decision.dispatches] == [
        ("FR", "R3", Channel.EUROPOL),
        ("CZ", "R2", Channel.PCCC),
        ("UA", "R4", Channel.LIAISON_OFFICER),
        ("US", "R5", Channel.EUROPOL),
        ("CN", "R6", Channel.INTERPOL),
    ]


def test_one_refused_target_refuses_the_request(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    with pytest.raises(RoutingRefused) as caught:
        policy.decide(make_query("FR", "UA", "KP"))
    assert caught.value.field == "target_countries[2]"


@pytest.mark.parametrize(
    ("target", "fields", "sentence"),
    [
        (
            "UA",
            {},
            "UA is not an EU or Schengen state; a Polish liaison officer is posted in UA.",
        ),
        (
            "FR",
            SIS,
            "The request follows up SIS alert PL-SIS-0001 and FR has been SIS-connected since "
            "1995-03-26; supplementary information goes through SIRENE.",
        ),
        (
            "CZ",
            BORDER,
            "The matter is local to the border area and CZ is a PCCC partner of PL; the PCCC "
            "handles local cross-border checks.",
        ),
        (
            "NO",
            {},
            "NO is a Schengen associated state; SIENA (Europol) is the default channel between "
            "member states.",
        ),
        (
            "AL",
            MANDATE,
            "AL is not an EU or Schengen state and has no Polish liaison officer; AL is a Europol "
            "operational partner and drug_trafficking is within Europol's mandate.",
        ),
        (
            "CN",
            {},
            "CN is not an EU or Schengen state, has no Polish liaison officer and is not a "
            "Europol operational partner; CN is an INTERPOL member.",
        ),
        (
            "US",
            {},
            "US is not an EU or Schengen state, has no Polish liaison officer and is a Europol "
            "operational partner but crime area 'other' is outside Europol's mandate; US is an "
            "INTERPOL member.",
        ),
        (
            "GB",
            DNA,
            "GB is not an EU or Schengen state and receives DNA profiles neither through a "
            "liaison officer nor as a Europol partner; GB is an INTERPOL member.",
        ),
    ],
)
def test_explanation_names_the_facts(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    fields: dict[str, Any],
    sentence: str,
) -> None:
    [dispatch] = policy.decide(make_query(target, **fields)).dispatches
    assert dispatch.explanation == sentence


def test_decision_records_the_policy_version(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    decision = policy.decide(make_query("FR"))
    assert decision.policy_version == policy.version
    assert policy.version.startswith("routing-policy-v2+refdata-")


def test_same_input_same_decision(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    query = make_query("FR", "UA", "US", sis_alert_id="X", crime_area="fraud")
    assert policy.decide(query) == policy.decide(query)

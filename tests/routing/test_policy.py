"""The policy object: version, configuration checks, describe() for GET /v1/routing/policy."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from oss_router.country import load_reference_data
from oss_router.messages.codes import Channel, Kind
from oss_router.routing import PolicyConfigurationError, RoutingPolicy, RoutingQuery, load_policy


def test_version_names_policy_and_reference_date(policy: RoutingPolicy) -> None:
    assert policy.version == f"routing-policy-v2+refdata-{policy.reference.as_of.isoformat()}"


@pytest.mark.parametrize("home", ["ZZ", "pl", ""])
def test_unknown_home_country_is_refused(home: str) -> None:
    with pytest.raises(PolicyConfigurationError, match="unknown home country"):
        load_policy(home_country=home)


def test_home_country_must_own_the_bilateral_sets() -> None:
    with pytest.raises(PolicyConfigurationError, match="PL's"):
        load_policy(home_country="DE")


def test_policy_over_other_reference_data() -> None:
    reference = dataclasses.replace(load_reference_data(), liaison_officer_posts=frozenset({"CN"}))
    query = RoutingQuery(
        kind=Kind.PERSON,
        target_countries=("CN", "UA"),
        received_at=datetime(2025, 6, 2, tzinfo=UTC),
    )
    decision = RoutingPolicy(reference).decide(query)
    assert [(d.rule, d.channel) for d in decision.dispatches] == [
        ("R4", Channel.LIAISON_OFFICER),
        ("R6", Channel.INTERPOL),
    ]


def test_describe_is_json_able_and_complete(policy: RoutingPolicy) -> None:
    described = json.loads(json.dumps(policy.describe()))
    assert described["version"] == policy.version
    assert described["home_country"] == "PL"
    assert [rule["id"] for rule in described["rules"]] == [
        "R0", "R1", "P1", "R2", "R3", "R4", "R5", "R6", "R7",
    ]  # fmt: skip
    assert described["rules"][2]["channel"] == "prum"
    assert "Regulation (EU) 2024/982 Art. 6 and 13" in described["rules"][2]["basis"]
    assert described["follow_up"]["rule"] == "F1"
    assert "Art. 47" in described["follow_up"]["basis"]
    assert described["rules"][0]["channel"] == "refuse"
    assert described["rules"][1]["basis"] == "Regulation (EU) 2018/1862 Art. 8"
    assert all(rule["when"] and rule["why"] and rule["basis"] for rule in described["rules"])
    assert [row["minutes"] for row in described["deadlines"]] == [
        12 * 60, 15, 24 * 60, 8 * 60, 72 * 60, 168 * 60, 48 * 60, 24 * 60, 168 * 60,
    ]  # fmt: skip
    assert described["service_targets"] == {
        "urgent_hours": 24, "normal_hours": 168, "prum_minutes": 15, "pccc_hours": 24,
    }  # fmt: skip
    assert set(described["override"]["eligible_when"]) == {
        "sirene", "europol", "interpol", "liaison_officer", "pccc", "prum",
    }  # fmt: skip
    assert described["reference"]["sets"]["prum_dna"]["DE"] == "2026-11-21"
    assert "GB" not in described["reference"]["sets"]["prum_dactyloscopic"]
    assert described["reference"]["sets"]["sis_connections"]["CY"] == "2023-07-25"


def test_describe_shows_configured_service_targets() -> None:
    described = load_policy(urgent_target_hours=12, normal_target_hours=96).describe()
    assert [row["hours"] for row in described["deadlines"]][-2:] == [12, 96]

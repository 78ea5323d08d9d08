"""The policy object: version, configuration checks, describe() for GET /v1/routing/policy."""

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from oss_router.country import load_reference_data
from oss_router.messages.codes import Channel, Kind
from oss_router.routing import PolicyConfigurationError, RoutingPolicy, RoutingQuery, load_policy


def test_version_names_policy_and_reference_date(policy: RoutingPolicy) -> None:
    assert policy.version == f"routing-policy-v1+refdata-{policy.reference.as_of.isoformat()}"


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
    assert [rule["id"] for rule in described["rules"]] == [f"R{n}" for n in range(8)]
    assert described["rules"][0]["channel"] == "refuse"
    assert described["rules"][1]["basis"] == "Regulation (EU) 2018/1862 Art. 8"
    assert all(rule["when"] and rule["why"] and rule["basis"] for rule in described["rules"])
    assert [row["hours"] for row in described["deadlines"]] == [12, 8, 72, 168, 24, 168]
    assert described["service_targets"] == {"urgent_hours": 24, "normal_hours": 168}
    assert set(described["override"]["eligible_when"]) == {
        "sirene", "europol", "interpol", "liaison_officer", "pccc",
    }  # fmt: skip
    assert described["reference"]["sets"]["sis_connections"]["CY"] == "2023-07-25"


def test_describe_shows_configured_service_targets() -> None:
    described = load_policy(urgent_target_hours=12, normal_target_hours=96).describe()
    assert [row["hours"] for row in described["deadlines"]][-2:] == [12, 96]

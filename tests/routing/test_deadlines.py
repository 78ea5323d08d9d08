"""Deadlines per the policy table: due_at = received_at + hours, with the basis named."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from oss_router.messages.codes import AccessType, Channel, Kind, Urgency, UrgencyGround
from oss_router.routing import PolicyConfigurationError, RoutingPolicy, RoutingQuery, load_policy
from oss_router.routing.deadlines import ServiceTargets, deadline_for

QueryFactory = Callable[..., RoutingQuery]

URGENT = {"urgency": Urgency.URGENT, "urgency_ground": UrgencyGround.LIFE_OR_PHYSICAL_INTEGRITY}
DIRECT = {"access_type": AccessType.DIRECT}


@pytest.mark.parametrize(
    ("target", "fields", "hours", "basis"),
    [
        pytest.param("FR", {"sis_alert_id": "A"}, 12, "Regulation (EU) 2018/1862 Art. 8(3)",
                     id="sirene-12h"),
        pytest.param("FR", {"sis_alert_id": "A", **URGENT, **DIRECT}, 12,
                     "Regulation (EU) 2018/1862 Art. 8(3)", id="sirene-12h-even-urgent"),
        pytest.param("FR", {**URGENT, **DIRECT}, 8, "Directive (EU) 2023/977 Art. 5(1)(a)",
                     id="europol-urgent-direct-8h"),
        pytest.param("NO", {**URGENT}, 72, "Directive (EU) 2023/977 Art. 5(1)(b)",
                     id="europol-urgent-indirect-72h"),
        pytest.param("FR", {}, 168, "Directive (EU) 2023/977 Art. 5(1)(c)",
                     id="europol-normal-168h"),
        pytest.param("FR", DIRECT, 168, "Directive (EU) 2023/977 Art. 5(1)(c)",
                     id="europol-normal-direct-still-168h"),
        pytest.param("CZ", {"border_area": True, **URGENT, **DIRECT}, 8,
                     "Directive (EU) 2023/977 Art. 5(1)(a)", id="pccc-urgent-direct-8h"),
        pytest.param("DE", {"border_area": True, **URGENT}, 72,
                     "Directive (EU) 2023/977 Art. 5(1)(b)", id="pccc-urgent-indirect-72h"),
        pytest.param("SK", {"border_area": True}, 168, "Directive (EU) 2023/977 Art. 5(1)(c)",
                     id="pccc-normal-168h"),
        pytest.param("UA", {**URGENT, **DIRECT}, 24, "service target", id="liaison-urgent-24h"),
        pytest.param("UA", {}, 168, "service target", id="liaison-normal-168h"),
        pytest.param("US", {"crime_area": "fraud", **URGENT}, 24, "service target",
                     id="europol-partner-urgent-24h"),
        pytest.param("US", {"crime_area": "fraud"}, 168, "service target",
                     id="europol-partner-normal-168h"),
        pytest.param("CN", {**URGENT, **DIRECT}, 24, "service target", id="interpol-urgent-24h"),
        pytest.param("CN", {"kind": Kind.DNA}, 168, "service target", id="interpol-normal-168h"),
    ],
)  # fmt: skip
def test_deadline(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    fields: dict[str, Any],
    hours: int,
    basis: str,
) -> None:
    query = make_query(target, **fields)
    [dispatch] = policy.decide(query).dispatches
    assert dispatch.due_at == query.received_at + timedelta(hours=hours)
    assert dispatch.deadline_basis.startswith(basis)
    assert f"{hours} hours" in dispatch.deadline_basis


def test_basis_text_is_readable(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    [dispatch] = policy.decide(make_query("FR", **URGENT, **DIRECT)).dispatches
    assert dispatch.deadline_basis == (
        "Directive (EU) 2023/977 Art. 5(1)(a): urgent, directly accessible — 8 hours"
    )


def test_service_targets_are_configurable(make_query: QueryFactory) -> None:
    custom = load_policy(urgent_target_hours=6, normal_target_hours=48)
    query = make_query("UA", "CN", "FR", **URGENT)
    due = [d.due_at - query.received_at for d in custom.decide(query).dispatches]
    # The Directive's 72 h for FR does not move with the service targets.
    assert due == [timedelta(hours=6), timedelta(hours=6), timedelta(hours=72)]
    normal = custom.decide(make_query("UA")).dispatches[0]
    assert normal.deadline_basis == (
        "service target (outside Directive (EU) 2023/977): normal — 48 hours"
    )


@pytest.mark.parametrize(("urgent", "normal"), [(0, 168), (24, -1), (200, 168)])
def test_unusable_service_targets_are_refused(urgent: int, normal: int) -> None:
    with pytest.raises(PolicyConfigurationError):
        load_policy(urgent_target_hours=urgent, normal_target_hours=normal)


@pytest.mark.parametrize(
    ("channel", "eu_or_schengen", "hours"),
    [
        (Channel.INTERPOL, True, 24),  # interpol to an EU state: outside the Directive's table
        (Channel.LIAISON_OFFICER, True, 24),
        (Channel.EUROPOL, False, 24),
        (Channel.EUROPOL, True, 72),
        (Channel.PCCC, True, 72),
        (Channel.SIRENE, False, 12),
    ],
)
def test_deadline_table_rows(channel: Channel, eu_or_schengen: bool, hours: int) -> None:
    deadline = deadline_for(
        channel, eu_or_schengen, Urgency.URGENT, AccessType.INDIRECT, ServiceTargets()
    )
    assert deadline.hours == hours

"""Deadlines per the policy table: due_at = received_at + hours, with the basis named. On an
outgoing dispatch every deadline is the answer the requested state owes (or a service target
of ours where no law binds it), and says so."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from tests.routing.conftest import AFTER_PRUM

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
        # A PCCC exchange is a direct exchange, not a request to a single point of contact:
        # no Art. 5(1) time limit, the bureau's PCCC service target whatever the urgency.
        pytest.param("CZ", {"border_area": True, **URGENT, **DIRECT}, 24,
                     "service target (PCCC", id="pccc-urgent-direct-24h"),
        pytest.param("DE", {"border_area": True, **URGENT}, 24, "service target (PCCC",
                     id="pccc-urgent-indirect-24h"),
        pytest.param("SK", {"border_area": True}, 24, "service target (PCCC",
                     id="pccc-normal-24h"),
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
        "Directive (EU) 2023/977 Art. 5(1)(a): urgent, information we expect to be directly "
        "accessible — the requested state owes its answer within 8 hours"
    )


@pytest.mark.parametrize("kind", [Kind.DNA, Kind.FINGERPRINT])
def test_a_prum_search_has_a_service_target_in_minutes_and_no_directive_deadline(
    make_query: QueryFactory, kind: Kind
) -> None:
    custom = load_policy(prum_target_minutes=7)
    query = make_query("DE", kind=kind, received_at=AFTER_PRUM, **URGENT, **DIRECT)
    [dispatch] = custom.decide(query).dispatches
    assert dispatch.channel == Channel.PRUM
    assert dispatch.due_at - query.received_at == timedelta(minutes=7)
    assert dispatch.deadline_basis.startswith("service target (automated Prüm search")
    assert "7 minutes" in dispatch.deadline_basis
    assert "Art. 5(1)" not in dispatch.deadline_basis


def test_the_pccc_service_target_is_configurable(make_query: QueryFactory) -> None:
    custom = load_policy(pccc_target_hours=4)
    query = make_query("CZ", border_area=True, **URGENT, **DIRECT)
    [dispatch] = custom.decide(query).dispatches
    assert (dispatch.channel, dispatch.due_at - query.received_at) == (
        Channel.PCCC,
        timedelta(hours=4),
    )
    assert "no Directive (EU) 2023/977 Art. 5(1) time limit" in dispatch.deadline_basis


@pytest.mark.parametrize(("prum", "pccc"), [(0, 24), (15, 0)])
def test_unusable_prum_or_pccc_targets_are_refused(prum: int, pccc: int) -> None:
    with pytest.raises(PolicyConfigurationError):
        load_policy(prum_target_minutes=prum, pccc_target_hours=pccc)


def test_service_targets_are_configurable(make_query: QueryFactory) -> None:
    custom = load_policy(urgent_target_hours=6, normal_target_hours=48)
    query = make_query("UA", "CN", "FR", **URGENT)
    due = [d.due_at - query.received_at for d in custom.decide(query).dispatches]
    # The Directive's 72 h for FR does not move with the service targets.
    assert due == [timedelta(hours=6), timedelta(hours=6), timedelta(hours=72)]
    normal = custom.decide(make_query("UA")).dispatches[0]
    assert normal.deadline_basis == (
        "service target (no legal time limit binds the partner): normal — answer expected "
        "within 48 hours"
    )


@pytest.mark.parametrize(("urgent", "normal"), [(0, 168), (24, -1), (200, 168)])
def test_unusable_service_targets_are_refused(urgent: int, normal: int) -> None:
    with pytest.raises(PolicyConfigurationError):
        load_policy(urgent_target_hours=urgent, normal_target_hours=normal)


@pytest.mark.parametrize(
    ("channel", "eu_or_schengen", "hours"),  # urgent, indirect access expected
    [
        (Channel.INTERPOL, True, 24),  # interpol to an EU state: outside the Directive's table
        (Channel.LIAISON_OFFICER, True, 24),
        (Channel.EUROPOL, False, 24),
        (Channel.EUROPOL, True, 72),
        (Channel.PCCC, True, 24),  # a direct exchange: the PCCC service target
        (Channel.SIRENE, False, 12),
        (Channel.PRUM, True, 0.25),
    ],
)
def test_deadline_table_rows(channel: Channel, eu_or_schengen: bool, hours: float) -> None:
    deadline = deadline_for(
        channel, eu_or_schengen, Urgency.URGENT, AccessType.INDIRECT, ServiceTargets()
    )
    assert deadline.hours == hours

"""R1 reads the SIS connection date as of the day the request was received (UTC)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from oss_router.messages.codes import Channel
from oss_router.routing import RoutingPolicy, RoutingQuery

QueryFactory = Callable[..., RoutingQuery]


@pytest.mark.parametrize(
    ("target", "day_before", "day_of"),
    [
        ("IE", datetime(2021, 3, 14, 23, 59, tzinfo=UTC), datetime(2021, 3, 15, 0, 0, tzinfo=UTC)),
        ("CY", datetime(2023, 7, 24, 12, 0, tzinfo=UTC), datetime(2023, 7, 25, 12, 0, tzinfo=UTC)),
        ("BG", datetime(2024, 12, 31, 23, 59, tzinfo=UTC), datetime(2025, 1, 1, 0, 0, tzinfo=UTC)),
        ("RO", datetime(2024, 12, 31, 8, 0, tzinfo=UTC), datetime(2025, 1, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_sis_connection_day_before_and_day_of(
    policy: RoutingPolicy,
    make_query: QueryFactory,
    target: str,
    day_before: datetime,
    day_of: datetime,
) -> None:
    before = policy.decide(make_query(target, sis_alert_id="A1", received_at=day_before))
    assert [(d.rule, d.channel) for d in before.dispatches] == [("R3", Channel.EUROPOL)]
    assert [(w.code, w.details) for w in before.warnings] == [
        ("sis_alert_not_applicable", {"country": target})
    ]
    assert "SIS-connected only from" in before.warnings[0].message

    on = policy.decide(make_query(target, sis_alert_id="A1", received_at=day_of))
    assert [(d.rule, d.channel) for d in on.dispatches] == [("R1", Channel.SIRENE)]
    assert on.warnings == ()


def test_decision_day_is_the_utc_date(policy: RoutingPolicy, make_query: QueryFactory) -> None:
    # 00:30 in Sofia on 1 January 2025 is still 31 December in UTC.
    sofia = timezone(timedelta(hours=2))
    received = datetime(2025, 1, 1, 0, 30, tzinfo=sofia)
    [dispatch] = policy.decide(make_query("BG", sis_alert_id="A1", received_at=received)).dispatches
    assert dispatch.rule == "R3"


def test_naive_received_at_is_a_programming_error(
    policy: RoutingPolicy, make_query: QueryFactory
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        policy.decide(make_query("FR", received_at=datetime(2025, 1, 1)))  # noqa: DTZ001

"""The deadline watch on requests received from partners, on a frozen clock: one warning and
one overdue flag per due time, none while the clock stands still, metrics and notices."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway, runtime_of
from tests.support.inbound import events_of, seed_inbound
from tests.support.metrics import sample

from oss_router.auth.principal import Role
from oss_router.broker.contract import Delivery
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.config import Settings
from oss_router.gauges import refresh_overdue
from oss_router.messages.inbound import MESSAGE_TYPE_HEADER
from oss_router.messages.status import InboundNotice, InboundNotices
from oss_router.sla.watch import DeadlineWatch

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EIGHT_HOURS = {
    "urgency": "urgent",
    "urgency_ground": "life_or_physical_integrity",
    "due_at": T0 + timedelta(hours=8),
    "deadline_basis": "Directive (EU) 2023/977 Art. 5(1)(a): urgent, directly accessible",
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def gateway(
    settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with quiet_gateway(settings, clock) as pair:
        yield pair


def watch_of(app: FastAPI, clock: FrozenClock) -> DeadlineWatch:
    runtime = runtime_of(app)
    return DeadlineWatch(
        runtime.sessions, runtime.broker, warn_ahead=timedelta(hours=1), clock=clock, batch_size=2
    )


def kinds(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.type, e.inbound_id) for e in events]


async def test_warns_once_then_flags_overdue_once(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, _ = gateway
    inbound_id = await seed_inbound(app, T0, **EIGHT_HOURS)
    watch = watch_of(app, clock)
    heard: list[InboundNotice] = []

    async def listen(delivery: Delivery) -> None:
        if delivery.headers.get(MESSAGE_TYPE_HEADER) == "inbound-notices":
            heard.extend(InboundNotices.model_validate_json(delivery.body).notices)
        await delivery.ack()

    await runtime_of(app).broker.subscribe(STATUS_EXCHANGE, listen)
    overdue_before = sample("oss_router_inbound_overdue_marked_total", channel="europol")
    warned_before = sample("oss_router_inbound_deadline_warnings_total", channel="europol")

    clock.set(T0 + timedelta(hours=6, minutes=59))
    assert await watch.tick() == []
    clock.set(T0 + timedelta(hours=7))
    assert kinds(await watch.tick()) == [("deadline_warning", str(inbound_id))]
    assert await watch.tick() == []
    clock.set(T0 + timedelta(hours=8))
    assert kinds(await watch.tick()) == [("overdue", str(inbound_id))]
    clock.advance(days=2)
    assert await watch.tick() == []

    flags = [e for e in await events_of(app, inbound_id) if e.actor == "system:deadline-watch"]
    assert [(e.type, e.detail["seconds_to_deadline"]) for e in flags] == [
        ("deadline_warning", 3600),
        ("overdue", 0),
    ]
    assert sample("oss_router_inbound_overdue_marked_total", channel="europol") == (
        overdue_before + 1
    )
    assert sample("oss_router_inbound_deadline_warnings_total", channel="europol") == (
        warned_before + 1
    )
    assert [(n.inbound_id, n.event) for n in heard] == [
        (inbound_id, "deadline_warning"),
        (inbound_id, "overdue"),
    ]


async def test_a_stopped_clock_or_a_closed_request_is_never_flagged(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, _ = gateway
    suspended = await seed_inbound(
        app, T0, status="awaiting_clarification", suspended_at=T0, **EIGHT_HOURS
    )
    # Asked, but the partner has not received the question yet: the clock still runs.
    not_yet = await seed_inbound(app, T0, status="awaiting_clarification", **EIGHT_HOURS)
    answered = await seed_inbound(app, T0, status="answered", **EIGHT_HOURS)
    refused = await seed_inbound(app, T0, status="refused", **EIGHT_HOURS)
    running = await seed_inbound(app, T0, status="assigned", **EIGHT_HOURS)

    clock.set(T0 + timedelta(days=1))
    flagged = await watch_of(app, clock).tick()

    assert sorted(kinds(flagged)) == sorted([("overdue", str(not_yet)), ("overdue", str(running))])
    for quiet in (suspended, answered, refused):
        assert await events_of(app, quiet) == []
    await refresh_overdue(runtime_of(app).sessions, clock())
    assert sample("oss_router_inbound_overdue", channel="europol") == 2


async def test_a_new_due_time_is_a_new_deadline(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    """A delay notice (Art. 5(2)) clears the markers: the new due time is watched again."""
    app, http = gateway
    inbound_id = await seed_inbound(app, T0, status="assigned", assigned_to="sofia", **EIGHT_HOURS)
    watch = watch_of(app, clock)
    clock.set(T0 + timedelta(hours=9))
    assert [e.type for e in await watch.tick()] == ["overdue"]

    response = await http.post(
        f"/v1/inbound/{inbound_id}/delay",
        json={"reason": "Court order needed.", "expected_by": (T0 + timedelta(days=2)).isoformat()},
        headers=auth_headers(app, Role.OFFICER, "sofia"),
    )
    assert response.status_code == 202, response.text
    assert await watch.tick() == []
    clock.set(T0 + timedelta(days=2))
    assert [e.type for e in await watch.tick()] == ["overdue"]

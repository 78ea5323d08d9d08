"""The deadline watch on a frozen clock: one warning, one overdue flag per dispatch, no more."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway, runtime_of
from tests.support.metrics import sample
from tests.support.payloads import request_body

from oss_router.broker.contract import Delivery
from oss_router.broker.topology import STATUS_EXCHANGE
from oss_router.config import Settings
from oss_router.messages.codes import Channel, Outcome
from oss_router.messages.result import DispatchResult, result_message_id
from oss_router.messages.status import StatusNotice, StatusNotices
from oss_router.sla.watch import DeadlineWatch
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
URGENT_DIRECT = {
    "urgency": "urgent",
    "urgency_ground": "life_or_physical_integrity",
    "access_type": "direct",
}  # to DE: Directive 2023/977 Art. 5(1)(a), due in 8 hours


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def gateway(
    settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with quiet_gateway(settings, clock) as pair:
        yield pair


def watch_of(app: FastAPI, clock: FrozenClock, warn_minutes: int = 60) -> DeadlineWatch:
    runtime = runtime_of(app)
    return DeadlineWatch(
        runtime.sessions,
        runtime.broker,
        warn_ahead=timedelta(minutes=warn_minutes),
        clock=clock,
        batch_size=2,  # small, so that the tests also cross batch boundaries
    )


async def create(http: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await http.post("/v1/requests", json=request_body(**overrides))
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def deadline_events(http: httpx.AsyncClient, request_id: str) -> list[dict[str, Any]]:
    response = await http.get(f"/v1/requests/{request_id}")
    assert response.status_code == 200, response.text
    return [
        event
        for event in response.json()["events"]
        if event["type"] in {"overdue", "deadline_warning"}
    ]


async def test_warns_once_then_flags_overdue_once(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    urgent = await create(http, **URGENT_DIRECT)
    dispatch = urgent["dispatches"][0]
    assert datetime.fromisoformat(dispatch["due_at"]) == T0 + timedelta(hours=8)
    watch = watch_of(app, clock)

    clock.set(T0 + timedelta(hours=6, minutes=59))
    assert await watch.tick() == []

    clock.set(T0 + timedelta(hours=7))
    warned = await watch.tick()
    assert [(e.type, e.dispatch_id) for e in warned] == [("deadline_warning", dispatch["id"])]
    clock.advance(minutes=30)
    assert await watch.tick() == []

    clock.set(T0 + timedelta(hours=8))
    flagged = await watch.tick()
    assert [(e.type, e.dispatch_id) for e in flagged] == [("overdue", dispatch["id"])]
    clock.advance(days=3)
    assert await watch.tick() == []

    events = await deadline_events(http, urgent["id"])
    assert [(e["type"], e["dispatch_id"]) for e in events] == [
        ("deadline_warning", dispatch["id"]),
        ("overdue", dispatch["id"]),
    ]
    warning, overdue = events
    assert warning["detail"]["seconds_to_deadline"] == 3600
    assert overdue["detail"]["seconds_to_deadline"] == 0
    # The deadline is the partner's: the overdue event says who owes and what to do.
    assert overdue["detail"]["owed_by"] == dispatch["country"]
    assert "remind" in overdue["detail"]["next_step"]
    assert "next_step" not in warning["detail"]
    assert overdue["actor"] == "system:deadline-watch"  # the service, not a supervisor
    assert datetime.fromisoformat(overdue["at"]) == T0 + timedelta(hours=8)


async def test_late_first_look_flags_overdue_without_a_warning(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    request = await create(http, **URGENT_DIRECT)
    clock.set(T0 + timedelta(hours=9))
    events = await watch_of(app, clock).tick()
    assert [e.type for e in events] == ["overdue"]
    assert [e["type"] for e in await deadline_events(http, request["id"])] == ["overdue"]


async def test_answered_and_cancelled_dispatches_are_never_flagged(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    answered = await create(http, **URGENT_DIRECT)
    cancelled = await create(http, **URGENT_DIRECT, target_countries=["FR"])
    still_open = await create(http, **URGENT_DIRECT, target_countries=["AT"])
    await answer(app, answered, at=T0 + timedelta(hours=1))
    response = await http.post(
        f"/v1/requests/{cancelled['id']}/cancel", json={"reason": "asked by mistake"}
    )
    assert response.status_code == 200, response.text

    clock.set(T0 + timedelta(days=10))
    events = await watch_of(app, clock).tick()

    assert [(e.type, e.request_id) for e in events] == [("overdue", still_open["id"])]


async def test_warning_window_is_configurable_and_zero_disables_it(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    await create(http)  # normal, to DE: due in 7 days
    clock.set(T0 + timedelta(days=6))
    assert await watch_of(app, clock, warn_minutes=0).tick() == []
    assert await watch_of(app, clock, warn_minutes=23 * 60).tick() == []
    events = await watch_of(app, clock, warn_minutes=24 * 60).tick()
    assert [e.type for e in events] == ["deadline_warning"]


async def test_every_dispatch_of_a_request_is_flagged_across_batches(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    many = await create(http, **URGENT_DIRECT, target_countries=["DE", "FR", "AT", "NL", "BE"])
    other = await create(http, **URGENT_DIRECT, target_countries=["ES"])
    clock.set(T0 + timedelta(hours=8, seconds=1))

    events = await watch_of(app, clock).tick()

    expected = {d["id"] for d in many["dispatches"]} | {d["id"] for d in other["dispatches"]}
    assert sorted(e.dispatch_id for e in events) == sorted(expected)


async def test_concurrent_watches_flag_each_dispatch_exactly_once(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    created = [
        await create(http, **URGENT_DIRECT, target_countries=[c]) for c in ["DE", "FR", "AT", "NL"]
    ]
    clock.set(T0 + timedelta(hours=9))
    watches = [watch_of(app, clock) for _ in range(3)]

    results = await asyncio.gather(*(watch.tick() for watch in watches))

    flagged = [event.dispatch_id for batch in results for event in batch]
    assert sorted(flagged) == sorted(r["dispatches"][0]["id"] for r in created)
    for request in created:
        assert [e["type"] for e in await deadline_events(http, request["id"])] == ["overdue"]


async def test_live_screens_get_a_notice_and_metrics_move(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    app, http = gateway
    request = await create(http, **URGENT_DIRECT, target_countries=["NO"])
    channel = request["dispatches"][0]["channel"]
    notices: list[StatusNotice] = []

    async def listen(delivery: Delivery) -> None:
        notices.extend(StatusNotices.model_validate_json(delivery.body).notices)
        await delivery.ack()

    runtime = runtime_of(app)
    subscription = await runtime.broker.subscribe(STATUS_EXCHANGE, listen)
    overdue_before = sample("oss_router_overdue_marked_total", channel=channel)
    warnings_before = sample("oss_router_deadline_warnings_total", channel=channel)
    watch = watch_of(app, clock)
    clock.set(T0 + timedelta(hours=7, minutes=30))
    await watch.tick()
    clock.set(T0 + timedelta(hours=8, minutes=30))
    await watch.tick()
    await runtime.refresh_gauges(everything=True)
    await asyncio.sleep(0)  # let the in-process broker hand the notices over
    await subscription.cancel()

    assert [(n.event, str(n.request_id), n.request_status) for n in notices] == [
        ("deadline_warning", request["id"], "queued"),
        ("overdue", request["id"], "queued"),
    ]
    assert sample("oss_router_deadline_warnings_total", channel=channel) == warnings_before + 1
    assert sample("oss_router_overdue_marked_total", channel=channel) == overdue_before + 1
    assert sample("oss_router_overdue_dispatches", channel=channel) == 1


async def answer(app: FastAPI, request: dict[str, Any], *, at: datetime) -> None:
    dispatch = request["dispatches"][0]
    result = DispatchResult(
        message_id=result_message_id(UUID(dispatch["id"]), "answered"),
        request_id=UUID(request["id"]),
        dispatch_id=UUID(dispatch["id"]),
        correlation_id=request["id"],
        channel=Channel(dispatch["channel"]),
        status="answered",
        outcome=Outcome.NO_HIT,
        occurred_at=at,
    )
    async with unit_of_work(runtime_of(app).sessions) as uow:
        assert await apply_results(uow, [result], at)

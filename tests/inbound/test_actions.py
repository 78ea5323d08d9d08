"""What each action does to a received request: its status, reply, timeline, deadline and
audit entries (SQLite and PostgreSQL, no workers, frozen clock)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.models import AuditEntry, InboundRequest
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway
from tests.support.inbound import events_of, load_inbound, outbox_of_reply, replies_of, seed_inbound

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def gateway(
    settings: Settings, clock: FrozenClock
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with quiet_gateway(settings, clock) as pair:
        yield pair


async def act(
    gateway: tuple[FastAPI, httpx.AsyncClient],
    inbound_id: UUID,
    action: str,
    body: dict[str, Any],
    role: Role = Role.OFFICER,
    subject: str = "sofia",
) -> dict[str, Any]:
    app, http = gateway
    response = await http.post(
        f"/v1/inbound/{inbound_id}/{action}",
        json=body,
        headers=auth_headers(app, role, subject),
    )
    assert response.status_code in (200, 202), response.text
    read: dict[str, Any] = response.json()
    return read


async def audit_of(app: FastAPI, inbound_id: UUID) -> list[AuditEntry]:
    async with app.state.runtime.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.inbound_id == inbound_id)
        return list((await session.scalars(query.order_by(AuditEntry.seq))).all())


async def test_an_officer_takes_a_request_and_answers_it(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _ = gateway
    inbound_id = await seed_inbound(app, T0)

    taken = await act(gateway, inbound_id, "assign", {"officer": "sofia"})
    assert (taken["status"], taken["assigned_to"]) == ("assigned", "sofia")
    answered = await act(
        gateway, inbound_id, "answer", {"outcome": "hit", "information": "Wanted, case 12/26."}
    )

    assert (answered["status"], answered["outcome"]) == ("answered", "hit")
    assert answered["answered_at"] is not None
    [reply] = answered["replies"]
    assert (reply["type"], reply["status"]) == ("answer", "queued")
    assert reply["body"] == {"outcome": "hit", "information": "Wanted, case 12/26."}
    assert len(await outbox_of_reply(app, UUID(reply["id"]))) == 1
    steps = [(e.type, e.from_status, e.to_status) for e in await events_of(app, inbound_id)]
    assert steps == [
        ("assigned", "received", "assigned"),
        ("reply_queued", None, "queued"),
        ("answered", "assigned", "answered"),
    ]
    # LED 2016/680 Art. 25: the answer is a disclosure, naming to whom.
    [entry] = await audit_of(app, inbound_id)
    assert (entry.action, entry.actor, entry.detail["operation"]) == (
        "disclosure",
        "officer:sofia",
        "answer",
    )
    assert entry.recipients == [
        {"channel": "europol", "country": "DE", "authority": "BKA Wiesbaden"}
    ]


async def test_a_supervisor_assigns_and_reassigns(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _ = gateway
    inbound_id = await seed_inbound(app, T0)
    await act(gateway, inbound_id, "assign", {"officer": "omar"}, Role.SUPERVISOR, "sam")
    moved = await act(gateway, inbound_id, "assign", {"officer": "zoe"}, Role.SUPERVISOR, "sam")

    assert (moved["status"], moved["assigned_to"]) == ("assigned", "zoe")
    assigned = [e for e in await events_of(app, inbound_id) if e.type == "assigned"]
    assert [(e.detail["previously_assigned_to"], e.detail["assigned_to"]) for e in assigned] == [
        (None, "omar"),
        ("omar", "zoe"),
    ]
    assert [e.actor for e in assigned] == ["supervisor:sam"] * 2


async def test_a_directive_refusal_keeps_its_ground_another_channel_its_reason(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _ = gateway
    siena = await seed_inbound(app, T0, status="assigned", assigned_to="sofia")
    interpol = await seed_inbound(
        app, T0, channel="interpol", requesting_country="US", status="assigned", assigned_to="sofia"
    )

    refused = await act(gateway, siena, "refuse", {"ground": "g", "reason": "Minor offence."})
    other = await act(gateway, interpol, "refuse", {"reason": "No legal basis for sharing."})

    assert (refused["status"], refused["outcome"], refused["refusal_ground"]) == (
        "refused",
        "refused",
        "g",
    )
    assert refused["replies"][0]["body"] == {"ground": "g", "reason": "Minor offence."}
    assert (other["status"], other["refusal_ground"]) == ("refused", None)
    assert other["replies"][0]["body"]["reason"] == "No legal basis for sharing."


async def test_a_delay_notice_sets_the_new_due_time_and_says_why(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    """Directive (EU) 2023/977 Art. 5(2): the expected delay, its duration and reasons."""
    app, _ = gateway
    inbound_id = await seed_inbound(
        app, T0, status="assigned", assigned_to="sofia", warned_at=T0, overdue_at=None
    )
    clock.advance(hours=1)
    expected_by = T0 + timedelta(days=10)

    delayed = await act(
        gateway,
        inbound_id,
        "delay",
        {"reason": "Prosecutor's authorisation needed.", "expected_by": expected_by.isoformat()},
    )

    assert delayed["status"] == "assigned"
    assert datetime.fromisoformat(delayed["due_at"]) == expected_by
    assert delayed["deadline_basis"].startswith("Directive (EU) 2023/977 Art. 5(2)")
    assert "Prosecutor's authorisation needed." in delayed["deadline_basis"]
    body = delayed["replies"][0]["body"]
    assert body["delay_seconds"] == 3 * 24 * 3600  # 10 days instead of 7
    assert body["judicial_authorisation"] is True
    row = await load_inbound(app, inbound_id)
    assert row.warned_at is None  # a new deadline: the watch may warn once again


async def test_a_clarification_round_trip_through_the_api(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, _ = gateway
    inbound_id = await seed_inbound(app, T0, status="assigned", assigned_to="sofia")

    asked = await act(gateway, inbound_id, "clarification-request", {"question": "Which Anna?"})

    assert asked["status"] == "awaiting_clarification"
    assert asked["suspended_at"] is None  # stops when the partner receives it, not before
    [reply] = await replies_of(app, inbound_id)
    assert (reply.type, reply.body) == ("clarification_request", {"question": "Which Anna?"})
    # While awaiting, only assigning is possible.
    response = await gateway[1].post(
        f"/v1/inbound/{inbound_id}/answer",
        json={"outcome": "no_hit"},
        headers=auth_headers(app, Role.OFFICER, "sofia"),
    )
    assert response.status_code == 409
    assert "awaiting_clarification" in response.json()["detail"]


async def read_of(gateway: tuple[FastAPI, httpx.AsyncClient], inbound_id: UUID) -> dict[str, Any]:
    app, http = gateway
    response = await http.get(
        f"/v1/inbound/{inbound_id}", headers=auth_headers(app, Role.OFFICER, "sofia")
    )
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


async def overdue_ids(gateway: tuple[FastAPI, httpx.AsyncClient]) -> set[str]:
    app, http = gateway
    response = await http.get(
        "/v1/inbound?overdue=true", headers=auth_headers(app, Role.OFFICER, "sofia")
    )
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_the_clock_runs_until_the_partner_has_the_question_then_stops(
    gateway: tuple[FastAPI, httpx.AsyncClient], clock: FrozenClock
) -> None:
    """Art. 6(3): the time limit is suspended from the partner's receipt of our request for
    clarification — before that, a request past due is overdue in its read and in the queue's
    filter alike (the same rule as the deadline watch's)."""
    app, _ = gateway
    inbound_id = await seed_inbound(
        app, T0, status="awaiting_clarification", due_at=T0 + timedelta(hours=1)
    )
    clock.advance(hours=2)

    read = await read_of(gateway, inbound_id)
    assert (read["overdue"], read["seconds_left"]) == (True, -3600)
    assert str(inbound_id) in await overdue_ids(gateway)

    async with app.state.runtime.sessions() as session:
        row = await session.get(InboundRequest, inbound_id)
        assert row is not None
        row.suspended_at = T0 + timedelta(minutes=30)  # the partner received it in time
        await session.commit()

    read = await read_of(gateway, inbound_id)
    assert (read["overdue"], read["seconds_left"]) == (False, None)
    assert str(inbound_id) not in await overdue_ids(gateway)


@pytest.mark.parametrize(
    ("channel", "country", "directive"),
    [("europol", "DE", True), ("europol", "US", False), ("interpol", "DE", False)],
)
async def test_a_read_says_whether_the_directive_governs_the_request(
    gateway: tuple[FastAPI, httpx.AsyncClient], channel: str, country: str, directive: bool
) -> None:
    inbound_id = await seed_inbound(gateway[0], T0, channel=channel, requesting_country=country)
    assert (await read_of(gateway, inbound_id))["directive"] is directive

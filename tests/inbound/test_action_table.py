"""Every action × role × state of a received request: the right 2xx, 403, 404, 409 or 422,
and nothing changed when refused (issue 13, proof 4). SQLite and PostgreSQL, no workers."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.models import AuditEntry, InboundEvent, InboundReply, InboundRequest, OutboxMessage
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.gateway import quiet_gateway
from tests.support.inbound import seed_inbound

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
UNIT = "PCCC Frankfurt (Oder)"


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    subject: str
    unit: str | None = None


CALLERS = [
    Caller("officer", Role.OFFICER, "sofia"),
    Caller("supervisor", Role.SUPERVISOR, "sam"),
    Caller("pccc of the unit", Role.PCCC, "pccc-ffo", UNIT),
    Caller("pccc of another unit", Role.PCCC, "pccc-kehl", "PCCC Kehl"),
    Caller("auditor", Role.AUDITOR, "dpo"),
]

# The states a request can be in, relative to the caller ("mine": assigned to the caller).
STATES = {
    "received": {"status": "received", "assigned_to": None},
    "assigned to the caller": {"status": "assigned", "assigned_to": "{me}"},
    "assigned to another": {"status": "assigned", "assigned_to": "omar"},
    "awaiting clarification, the caller's": {
        "status": "awaiting_clarification",
        "assigned_to": "{me}",
    },
    "answered": {"status": "answered", "assigned_to": "{me}", "outcome": "no_hit"},
    "refused": {"status": "refused", "assigned_to": "{me}", "outcome": "refused"},
}

ACTIONS = ["assign", "answer", "refuse", "clarification-request", "delay"]
ALLOWED_FROM = {
    "assign": {"received", "assigned", "awaiting_clarification"},
    "answer": {"assigned"},
    "refuse": {"assigned"},
    "clarification-request": {"assigned"},
    "delay": {"assigned"},
}


def body(action: str, caller: Caller) -> dict[str, Any]:
    return {
        # A supervisor gives the request to someone; anyone else takes it.
        "assign": {"officer": "zoe" if caller.role is Role.SUPERVISOR else caller.subject},
        "answer": {"outcome": "hit", "information": "Known to us: wanted in case 12/26."},
        "refuse": {"ground": "f", "reason": "It would endanger an ongoing investigation."},
        "clarification-request": {"question": "Which date of birth do you hold?"},
        "delay": {
            "reason": "The prosecutor's authorisation is needed.",
            "expected_by": (T0 + timedelta(days=9)).isoformat(),
        },
    }[action]


def expected(action: str, caller: Caller, state: str) -> int:
    row = STATES[state]
    if caller.role is Role.AUDITOR:
        return 403  # the role may not work requests at all
    if caller.role is Role.PCCC and caller.unit != UNIT:
        return 404  # another unit's request does not show to exist
    if row["status"] not in ALLOWED_FROM[action]:
        return 409
    mine = row["assigned_to"] == "{me}"
    if caller.role is not Role.SUPERVISOR:
        if action == "assign":
            return 409 if state == "assigned to another" else 200
        if not mine:
            return 403  # someone else's to reply to
    return 200 if action == "assign" else 202


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with quiet_gateway(settings, FrozenClock(T0)) as pair:
        yield pair


async def snapshot(app: FastAPI, inbound_id: UUID) -> dict[str, Any]:
    """The row and how many replies, events, outbox rows and audit entries exist."""
    async with app.state.runtime.sessions() as session:
        row = await session.get(InboundRequest, inbound_id)
        assert row is not None
        values = {c.key: getattr(row, c.key) for c in InboundRequest.__table__.columns}
        for model in (InboundReply, InboundEvent, OutboxMessage, AuditEntry):
            values[model.__tablename__] = await session.scalar(
                select(func.count()).select_from(model)
            )
    return values


async def test_every_action_role_and_state(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = gateway
    outcomes: list[tuple[str, str, str, int, int]] = []
    for caller in CALLERS:
        headers = auth_headers(app, caller.role, caller.subject, caller.unit)
        for state, fields in STATES.items():
            for action in ACTIONS:
                values = {
                    key: (
                        value.replace("{me}", caller.subject) if isinstance(value, str) else value
                    )
                    for key, value in fields.items()
                }
                inbound_id = await seed_inbound(app, T0, unit=UNIT, **values)
                before = await snapshot(app, inbound_id)
                response = await http.post(
                    f"/v1/inbound/{inbound_id}/{action}",
                    json=body(action, caller),
                    headers=headers,
                )
                want = expected(action, caller, state)
                outcomes.append((caller.name, state, action, response.status_code, want))
                if response.status_code >= 400:
                    assert response.headers["content-type"] == "application/problem+json"
                    assert await snapshot(app, inbound_id) == before, (caller, state, action)
                else:
                    assert response.json()["id"] == str(inbound_id)
    wrong = [o for o in outcomes if o[3] != o[4]]
    assert wrong == []
    assert {o[4] for o in outcomes} == {200, 202, 403, 404, 409}  # every outcome is exercised


async def test_an_unknown_request_is_404_for_every_action(
    gateway: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = gateway
    caller = CALLERS[1]
    for action in ACTIONS:
        response = await http.post(
            f"/v1/inbound/{uuid4()}/{action}",
            json=body(action, caller),
            headers=auth_headers(app, caller.role, caller.subject),
        )
        assert response.status_code == 404, (action, response.text)


INVALID = [
    # (channel, country, action, body, field)
    ("europol", "DE", "refuse", {"reason": "Not available to us."}, "ground"),
    ("interpol", "US", "refuse", {"ground": "a", "reason": "Not held."}, "ground"),
    ("europol", "DE", "answer", {"outcome": "hit"}, "information"),
    (
        "europol",
        "DE",
        "delay",
        {"reason": "Court order needed.", "expected_by": (T0 + timedelta(days=2)).isoformat()},
        "expected_by",
    ),
    (
        "europol",
        "DE",
        "delay",
        {"reason": "Court order needed.", "expected_by": (T0 + timedelta(days=800)).isoformat()},
        "expected_by",
    ),
    ("europol", "DE", "refuse", {"ground": "z", "reason": "Not held."}, "ground"),
    ("europol", "DE", "assign", {}, "officer"),
    ("europol", "DE", "clarification-request", {"question": ""}, "question"),
]


@pytest.mark.parametrize(("channel", "country", "action", "payload", "field"), INVALID)
async def test_a_body_that_does_not_fit_is_422_naming_the_field(
    gateway: tuple[FastAPI, httpx.AsyncClient],
    channel: str,
    country: str,
    action: str,
    payload: dict[str, Any],
    field: str,
) -> None:
    app, http = gateway
    inbound_id = await seed_inbound(
        app, T0, channel=channel, requesting_country=country, status="assigned", assigned_to="sofia"
    )
    before = await snapshot(app, inbound_id)

    response = await http.post(
        f"/v1/inbound/{inbound_id}/{action}",
        json=payload,
        headers=auth_headers(app, Role.OFFICER, "sofia"),
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await snapshot(app, inbound_id) == before

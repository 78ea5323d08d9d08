"""POST /v1/inbound/{id}/access-type: an officer corrects the access type with a reason; the
deadline moves, on the timeline and in the audit log."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from oss_router.auth.principal import Role
from oss_router.models import InboundRequest
from tests.inbound.conftest import T0, Caller, FakeChecker, registration
from tests.support.audit import log_of

URGENT = {"urgency": "urgent", "urgency_ground": "public_security_threat"}
REASON = "the vehicle register is ours to search directly"


def z(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def _urgent_indirect(http: httpx.AsyncClient, checker: FakeChecker) -> dict[str, Any]:
    checker.access_type = checker.access_type.__class__("indirect")
    response = await http.post("/v1/inbound", json=registration(**URGENT))
    assert response.json()["due_at"] == z(T0 + timedelta(hours=72))
    return dict(response.json())


async def test_a_correction_recomputes_the_deadline(
    app: FastAPI, http: httpx.AsyncClient, checker: FakeChecker
) -> None:
    created = await _urgent_indirect(http, checker)
    response = await http.post(
        f"/v1/inbound/{created['id']}/access-type",
        json={"access_type": "direct", "reason": REASON},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["access_type"], body["access_type_source"]) == ("direct", "officer")
    assert body["due_at"] == z(T0 + timedelta(hours=8))
    assert "Art. 5(1)(a)" in body["deadline_basis"]
    events = (await http.get(f"/v1/inbound/{created['id']}")).json()["events"]
    assert events[-1]["type"] == "access_type_corrected"
    assert events[-1]["detail"]["reason"] == REASON
    assert events[-1]["detail"]["from_due_at"] == (T0 + timedelta(hours=72)).isoformat()
    alterations = [
        entry
        for entry in await log_of(app)
        if entry.action == "alteration" and str(entry.inbound_id) == created["id"]
    ]
    assert [entry.justification for entry in alterations] == [REASON]


async def test_a_shifted_due_time_keeps_its_shift(
    app: FastAPI, http: httpx.AsyncClient, checker: FakeChecker
) -> None:
    """A suspension already counted (the due time moved later by 2 h) stays counted."""
    created = await _urgent_indirect(http, checker)
    async with app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(InboundRequest)
            .where(InboundRequest.id == uuid.UUID(created["id"]))
            .values(due_at=T0 + timedelta(hours=74))
        )
    response = await http.post(
        f"/v1/inbound/{created['id']}/access-type", json={"access_type": "direct", "reason": REASON}
    )
    assert response.json()["due_at"] == z(T0 + timedelta(hours=10))


async def test_the_same_access_type_or_a_closed_request_is_a_conflict(
    app: FastAPI, http: httpx.AsyncClient, checker: FakeChecker
) -> None:
    created = await _urgent_indirect(http, checker)
    path = f"/v1/inbound/{created['id']}/access-type"
    same = await http.post(path, json={"access_type": "indirect", "reason": REASON})
    assert same.status_code == 409
    async with app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(InboundRequest)
            .where(InboundRequest.id == uuid.UUID(created["id"]))
            .values(status="refused")
        )
    closed = await http.post(path, json={"access_type": "direct", "reason": REASON})
    assert closed.status_code == 409
    after = (await http.get(f"/v1/inbound/{created['id']}")).json()
    assert (after["access_type"], after["due_at"]) == ("indirect", created["due_at"])


async def test_a_correction_needs_a_reason_and_the_desk(
    http: httpx.AsyncClient, checker: FakeChecker, headers: Caller
) -> None:
    created = await _urgent_indirect(http, checker)
    path = f"/v1/inbound/{created['id']}/access-type"
    blank = await http.post(path, json={"access_type": "direct", "reason": "  "})
    assert blank.status_code == 422
    assert [error["field"] for error in blank.json()["errors"]] == ["reason"]
    pccc = await http.post(
        path, json={"access_type": "direct", "reason": REASON}, headers=headers(Role.PCCC)
    )
    assert pccc.status_code == 403
    missing = await http.post(
        f"/v1/inbound/{uuid.uuid4()}/access-type", json={"access_type": "direct", "reason": REASON}
    )
    assert missing.status_code == 404
    supervisor = await http.post(
        path, json={"access_type": "direct", "reason": REASON}, headers=headers(Role.SUPERVISOR)
    )
    assert supervisor.status_code == 200

"""The auditor's screen: the log searched as a person expects, the chain's verification state."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from tests.conftest import make_settings
from tests.support.audit import log_of, without_triggers
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.payloads import request_body

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.models import AuditChainHead, AuditEntry


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def app(database_url: str, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url), migrate=True, embedded=False, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def auditor(app: FastAPI) -> dict[str, str]:
    return auth_headers(app, Role.AUDITOR, "dpo")


async def test_only_auditors_see_the_verification_state(
    app: FastAPI, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    for role in [Role.OFFICER, Role.SUPERVISOR, Role.PCCC]:
        headers = auth_headers(app, role, unit="PCCC-1" if role is Role.PCCC else None)
        response = await client.get("/v1/audit/verification", headers=headers)
        assert response.status_code == 403, role
    assert (await anonymous.get("/v1/audit/verification")).status_code == 401


async def test_the_verification_state_of_an_empty_then_growing_chain(
    app: FastAPI, client: httpx.AsyncClient, auditor: dict[str, str], clock: FrozenClock
) -> None:
    assert await _state(client, auditor) == {
        "status": "empty",
        "entries": 0,
        "head": None,
        "first_bad": None,
        "checked_at": _iso(clock()),
        "full_walk_at": _iso(clock()),
    }
    started = clock()
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    await client.get(f"/v1/requests/{request_id}")
    clock.advance(minutes=1)
    state = await _state(client, auditor)
    # The collection, the read and its check of the national registers.
    assert (state["status"], state["entries"], state["head"]["seq"]) == ("intact", 3, 3)
    assert state["first_bad"] is None
    assert (state["checked_at"], state["full_walk_at"]) == (_iso(clock()), _iso(started))
    head = await client.get("/v1/audit", params={"limit": 1}, headers=auditor)
    assert state["head"]["hash"] == head.json()["items"][0]["hash"]


async def test_old_entries_are_walked_again_once_the_full_walk_is_old(
    app: FastAPI, client: httpx.AsyncClient, auditor: dict[str, str], clock: FrozenClock
) -> None:
    """Between full walks only the appended entries are checked (bounded cost): an edit of an
    entry verified before is found by the next full walk (setting, 60 min) or ``full=true``."""
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    assert (await _state(client, auditor))["status"] == "intact"
    async with without_triggers(app) as connection:
        table = AuditEntry.__table__
        await connection.execute(update(table).where(table.c.seq == 1).values(actor="x:y"))
    await client.get(f"/v1/requests/{request_id}")
    clock.advance(minutes=59)
    assert (await _state(client, auditor))["status"] == "intact"  # only entry 2 was walked
    state = await _state(client, auditor, full="true")
    assert (state["status"], state["first_bad"]["seq"]) == ("broken", 1)
    assert state["full_walk_at"] == _iso(clock())
    clock.advance(minutes=61)
    assert (await _state(client, auditor))["first_bad"]["seq"] == 1  # walked in full each time


@pytest.mark.usefixtures("no_registers")  # seq numbers of reads alone
async def test_a_log_cut_back_with_its_head_is_named_against_the_head_seen_before(
    app: FastAPI, client: httpx.AsyncClient, auditor: dict[str, str]
) -> None:
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    for _ in range(3):
        await client.get(f"/v1/requests/{request_id}")
    assert (await _state(client, auditor))["head"]["seq"] == 4
    entries = await log_of(app)
    async with without_triggers(app) as connection:
        await connection.execute(delete(AuditEntry.__table__).where(AuditEntry.seq >= 3))
        await connection.execute(
            update(AuditChainHead.__table__).values(seq=2, hash=entries[1].hash)
        )
    for params in [{}, {"full": "true"}]:
        state = await _state(client, auditor, **params)
        assert (state["status"], state["first_bad"]["seq"]) == ("broken", 3), params
        assert "names entry 4 but the log ends at 2" in state["first_bad"]["reason"]


@pytest.mark.usefixtures("no_registers")  # seq numbers of reads alone
async def test_the_log_is_searched_as_a_person_expects(
    app: FastAPI, client: httpx.AsyncClient, auditor: dict[str, str], clock: FrozenClock
) -> None:
    sofia = auth_headers(app, Role.SUPERVISOR, "sofia")
    first = (await client.post("/v1/requests", json=request_body(), headers=sofia)).json()["id"]
    clock.advance(minutes=10)
    second = (await client.post("/v1/requests", json=request_body(kind="vehicle"))).json()["id"]
    officer_sofia = auth_headers(app, Role.OFFICER, "sofia")
    await client.get(f"/v1/requests/{first}", headers=officer_sofia)  # 3
    clock.advance(minutes=10)
    await client.get(f"/v1/requests/{second}", headers=sofia)  # 4

    async def seqs(**params: Any) -> list[int]:
        response = await client.get("/v1/audit", params=params, headers=auditor)
        assert response.status_code == 200, response.text
        return [entry["seq"] for entry in response.json()["items"]]

    # An actor as logged, or the person alone under every role; no partial match.
    assert await seqs(actor="supervisor:sofia") == [4, 1]
    assert await seqs(actor="sofia") == [4, 3, 1]
    assert await seqs(actor="sof") == []
    # Combined filters narrow each other.
    assert await seqs(actor="sofia", request_id=first) == [3, 1]
    assert await seqs(actor="sofia", request_id=first, action="consultation") == [3]
    # Time: since is inclusive, until exclusive; any UTC offset.
    t0 = clock.now
    assert await seqs(since=_iso(t0)) == [4]
    assert await seqs(until=_iso(t0)) == [3, 2, 1]
    local = t0.astimezone(datetime.now().astimezone().tzinfo).isoformat()
    assert await seqs(since=local, actor="sofia") == [4]
    assert await seqs(since="2000-01-01T00:00:00Z", until=_iso(t0), action="collection") == [2, 1]

    for params, field in [
        ({"since": _iso(t0), "until": _iso(t0)}, "until"),
        ({"since": "2026-12-01"}, "since"),
        ({"action": "reading"}, "action"),
        ({"request_id": "not-a-uuid"}, "request_id"),
    ]:
        response = await client.get("/v1/audit", params=params, headers=auditor)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [error["field"] for error in response.json()["errors"]] == [field], params


# --- helpers --------------------------------------------------------------------------------


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def _state(
    client: httpx.AsyncClient, auditor: dict[str, str], **params: str
) -> dict[str, Any]:
    response = await client.get("/v1/audit/verification", params=params, headers=auditor)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state

"""What a person consulted is logged without drowning the log (LED 2016/680 Art. 25(1);
decision 0019): detail reads always, a list's rows once per person per window."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import make_settings
from tests.support.apps import gateway_only
from tests.support.audit import log_of
from tests.support.auth import auth_headers
from tests.support.clock import FrozenClock
from tests.support.payloads import request_body

from oss_router.app import create_app
from oss_router.audit import service as audit
from oss_router.audit.service import Actor
from oss_router.auth.principal import Role
from oss_router.db import transaction
from oss_router.models import AuditEntry
from oss_router.request import repository as request_repository

QUEUE = 21


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
async def app(database_url: str, clock: FrozenClock) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(database_url), migrate=True, embedded=False, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


async def test_sixty_re_reads_of_the_queue_log_each_request_once(
    app: FastAPI, client: httpx.AsyncClient, database_url: str, clock: FrozenClock
) -> None:
    ids = await _queue_of_21(app, client)
    anna = auth_headers(app, Role.OFFICER, "anna")
    # Two gateway processes on the same database, the live queue re-reading through both.
    async with gateway_only(make_settings(database_url)) as (_, other):
        for _ in range(6):
            reads = [
                gateway.get("/v1/requests", headers=anna)
                for gateway in (client, other)
                for _ in range(5)
            ]
            assert all(r.status_code == 200 for r in await asyncio.gather(*reads))
            clock.advance(minutes=5)
    listed = _consultations(await log_of(app), "officer:anna")
    assert len(listed) <= QUEUE
    assert sorted(str(entry.request_id) for entry in listed) == sorted(ids)
    assert {entry.detail["via"] for entry in listed} == {"list"}

    clock.advance(minutes=60)  # past the window: the queue is shown again, logged again
    await client.get("/v1/requests", headers=anna)
    assert len(_consultations(await log_of(app), "officer:anna")) == 2 * QUEUE


async def test_an_auditor_finds_every_officer_who_saw_a_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _queue_of_21(app, client)
    anna, piotr, ewa = (auth_headers(app, Role.OFFICER, name) for name in ["anna", "piotr", "ewa"])
    for _ in range(10):
        await client.get("/v1/requests", headers=anna)
    await client.get("/v1/requests", headers=piotr)
    for _ in range(3):  # opening a request is logged every time
        await client.get(f"/v1/requests/{ids[0]}", headers=ewa)
    await client.get(f"/v1/requests/{ids[0]}", headers=anna)  # after her list views, too

    seen = await _audit(app, client, request_id=ids[0], action="consultation")
    officers = [entry for entry in seen if entry["role"] == "officer"]  # not sofia's intake
    # Each opening also checked the national registers on the subject (decision 0025).
    assert sorted((entry["actor"], entry["detail"]["via"]) for entry in officers) == [
        ("officer:anna", "list"),
        ("officer:anna", "read"),
        ("officer:anna", "register check"),
        ("officer:ewa", "read"),
        ("officer:ewa", "read"),
        ("officer:ewa", "read"),
        ("officer:ewa", "register check"),
        ("officer:ewa", "register check"),
        ("officer:ewa", "register check"),
        ("officer:piotr", "list"),
    ]
    assert len(await _audit(app, client, actor="anna", action="consultation")) == QUEUE + 2


async def test_a_detail_read_covers_later_list_views_within_the_window(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    ids = await _queue_of_21(app, client)
    anna = auth_headers(app, Role.OFFICER, "anna")
    await client.get(f"/v1/requests/{ids[0]}", headers=anna)
    await client.get("/v1/requests", headers=anna)
    via = [entry.detail["via"] for entry in _consultations(await log_of(app), "officer:anna")]
    assert (via.count("read"), via.count("list")) == (1, QUEUE - 1)


async def test_a_window_of_zero_logs_every_list_page(database_url: str, clock: FrozenClock) -> None:
    settings = make_settings(database_url, audit_list_window_minutes=0)
    async with gateway_only(settings) as (app, client):
        await client.post("/v1/requests", json=request_body())
        for _ in range(3):
            await client.get("/v1/requests")
        listed = [e for e in await log_of(app) if e.detail.get("via") == "list"]
        assert len(listed) == 3


async def test_two_processes_showing_the_same_rows_at_once_log_them_once(
    app: FastAPI, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """The check is repeated under the chain-head lock: the second transaction waits for the
    first one's commit, then sees its entries (PostgreSQL: row lock; SQLite: BEGIN IMMEDIATE)."""
    ids = await _queue_of_21(app, client)
    sessions = app.state.runtime.sessions
    anna = Actor("officer:anna", "officer")
    window = timedelta(hours=1)
    async with transaction(sessions) as first:
        shown = [await request_repository.get(first, UUID(i)) for i in ids[:5]]
        await audit.append_list_views(first, [r for r in shown if r], anna, clock(), window)

        async def second() -> None:
            async with transaction(sessions) as session:
                rows = [await request_repository.get(session, UUID(i)) for i in ids[:5]]
                await audit.append_list_views(
                    session, [r for r in rows if r], anna, clock(), window
                )

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # the second is now blocked on the lock the first holds
    await waiting
    assert len(_consultations(await log_of(app), "officer:anna")) == 5


# --- helpers --------------------------------------------------------------------------------


async def _queue_of_21(app: FastAPI, client: httpx.AsyncClient) -> list[str]:
    """21 requests, created by a supervisor (who is not the officer reading the queue)."""
    sofia = auth_headers(app, Role.SUPERVISOR, "sofia")
    ids = []
    for number in range(QUEUE):
        body = request_body(purpose=f"Investigation of case 2026/{number:03}, a theft ring")
        response = await client.post("/v1/requests", json=body, headers=sofia)
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


def _consultations(entries: list[AuditEntry], actor: str) -> list[AuditEntry]:
    return [e for e in entries if e.action == "consultation" and e.actor == actor]


async def _audit(app: FastAPI, client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    auditor = auth_headers(app, Role.AUDITOR, "dpo")
    response = await client.get("/v1/audit", params={"limit": 200, **params}, headers=auditor)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_open_request_page_re_reading_itself_is_logged_once_per_window(
    app: FastAPI, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sofia = auth_headers(app, Role.SUPERVISOR, "sofia")
    created = await client.post("/v1/requests", json=request_body(), headers=sofia)
    request_id = created.json()["id"]
    anna = auth_headers(app, Role.OFFICER, "anna")
    url = f"/v1/requests/{request_id}"

    assert (await client.get(url, headers=anna)).status_code == 200  # she opens it
    for _ in range(12):  # the page re-reads itself on every notice and reconnection
        assert (await client.get(url, params={"refresh": True}, headers=anna)).status_code == 200
        clock.advance(minutes=4)
    seen = _consultations(await log_of(app), "officer:anna")
    assert [entry.detail["via"] for entry in seen] == ["read", "register check"]

    clock.advance(minutes=20)  # an hour after the last logged look: logged again
    await client.get(url, params={"refresh": True}, headers=anna)
    seen = _consultations(await log_of(app), "officer:anna")
    assert [entry.detail["via"] for entry in seen] == ["read", "register check", "refresh"]


async def test_a_refresh_cannot_hide_a_first_look(app: FastAPI, client: httpx.AsyncClient) -> None:
    sofia = auth_headers(app, Role.SUPERVISOR, "sofia")
    created = await client.post("/v1/requests", json=request_body(), headers=sofia)
    piotr = auth_headers(app, Role.OFFICER, "piotr")

    await client.get(f"/v1/requests/{created.json()['id']}?refresh=true", headers=piotr)

    seen = _consultations(await log_of(app), "officer:piotr")
    assert [(str(e.request_id), e.detail["via"]) for e in seen] == [
        (created.json()["id"], "refresh")
    ]

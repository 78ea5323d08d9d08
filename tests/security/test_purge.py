"""Retention: the purge erases personal data of old terminal requests, keeps their skeleton."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.support.auth import auth_headers
from tests.support.payloads import PURPOSE, request_body

from oss_router.app import create_app
from oss_router.audit.service import Actor
from oss_router.audit.verify import verify
from oss_router.auth.principal import Role
from oss_router.cli import main as cli
from oss_router.clock import utcnow
from oss_router.config import Settings, get_settings
from oss_router.db import transaction
from oss_router.messages.result import DispatchResult, result_message_id
from oss_router.models import (
    AuditEntry,
    Dispatch,
    ExchangeRequest,
    OutboxMessage,
    RequestEvent,
)
from oss_router.outbox.relay import Relay
from oss_router.retention.service import purge_batch
from oss_router.tracker.service import apply_results
from oss_router.unit_of_work import unit_of_work

SECRET_WORDS = ["Kowalski", "SIS-DE-4711", "CASE-2026-114", PURPOSE, "spotted in Kehl"]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The gateway alone; the tests publish and answer dispatches themselves."""
    application = create_app(settings, migrate=True, embedded=False)
    async with application.router.lifespan_context(application):
        yield application


async def publish(app: FastAPI) -> None:
    runtime = app.state.runtime
    await Relay(runtime.sessions, runtime.broker).publish_pending()


async def report(app: FastAPI, request: dict[str, Any], status: str, **fields: Any) -> None:
    """What a channel worker would report for every dispatch of ``request``."""
    async with unit_of_work(app.state.runtime.sessions) as uow:
        for dispatch in request["dispatches"]:
            result = DispatchResult(
                message_id=result_message_id(UUID(dispatch["id"]), status),  # type: ignore[arg-type]
                request_id=UUID(request["id"]),
                dispatch_id=UUID(dispatch["id"]),
                correlation_id=request["id"],
                channel=dispatch["channel"],
                status=status,  # type: ignore[arg-type]
                occurred_at=utcnow(),
                **fields,
            )
            await apply_results(uow, [result], utcnow())


async def age(app: FastAPI, days: int) -> None:
    """Move every request's last change ``days`` into the past."""
    async with transaction(app.state.runtime.sessions) as session:
        for request in (await session.scalars(select(ExchangeRequest))).all():
            request.updated_at -= timedelta(days=days)


async def scenario(app: FastAPI, client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """An answered request, a cancelled one with an override, and one still open."""
    supervisor = auth_headers(app, Role.SUPERVISOR, "sofia")
    answered = await client.post(
        "/v1/requests",
        json=request_body(sis_alert_id="SIS-DE-4711", reference="CASE-2026-114"),
    )
    cancelled = await client.post(
        "/v1/requests",
        json=request_body(
            target_countries=["FR"],
            preferred_channel="interpol",
            override_reason="Kowalski may flee; SIENA is down",
        ),
        headers=supervisor,
    )
    open_ = await client.post("/v1/requests", json=request_body(target_countries=["AT"]))
    requests = {"answered": answered.json(), "cancelled": cancelled.json(), "open": open_.json()}
    await publish(app)
    await report(
        app,
        requests["answered"],
        "answered",
        outcome="hit",
        answer={"holder": "Jan Kowalski", "note": "spotted in Kehl"},
    )
    await client.post(
        f"/v1/requests/{requests['cancelled']['id']}/cancel",
        json={"reason": "Kowalski spotted in Kehl, request obsolete"},
        headers=supervisor,
    )
    return requests


async def rows_of(app: FastAPI, request_id: str) -> str:
    """Every stored value of a request, its dispatches, events and outbox rows, as text."""
    rid = UUID(request_id)
    async with transaction(app.state.runtime.sessions) as session:
        request = await session.get(ExchangeRequest, rid)
        dispatches = (
            await session.scalars(select(Dispatch).where(Dispatch.request_id == rid))
        ).all()
        events = (
            await session.scalars(select(RequestEvent).where(RequestEvent.request_id == rid))
        ).all()
        outbox = (
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.dispatch_id.in_([d.id for d in dispatches])
                )
            )
        ).all()
        rows = [request, *dispatches, *events, *outbox]
        return repr([{c.key: getattr(row, c.key) for c in row.__table__.c} for row in rows])


async def test_purge_erases_personal_data_and_keeps_the_skeleton(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    requests = await scenario(app, client)
    answered, cancelled, open_ = (requests[k]["id"] for k in ("answered", "cancelled", "open"))
    for request_id in (answered, cancelled):
        stored = await rows_of(app, request_id)
        assert "Kowalski" in stored  # the test data really are there before the purge
    await age(app, days=40)

    async with transaction(app.state.runtime.sessions) as session:
        purged = await purge_batch(
            session, older_than=timedelta(days=30), actor=Actor.system("operator:dpo"), now=utcnow()
        )
    assert set(map(str, purged)) == {answered, cancelled}  # the open one is kept whole

    for request_id in (answered, cancelled):
        stored = await rows_of(app, request_id)
        leaked = [word for word in SECRET_WORDS if word in stored]
        assert leaked == [], f"{request_id} still holds {leaked}: {stored}"
    assert "Kowalski" in await rows_of(app, open_)

    body = (await client.get(f"/v1/requests/{answered}")).json()
    assert body["status"] == "answered"
    assert (body["subject"], body["purpose"], body["reference"]) == (None, None, None)
    assert body["purged_at"] is not None
    assert [(d["channel"], d["status"], d["outcome"], d["answer"]) for d in body["dispatches"]] == [
        ("sirene", "answered", "hit", None)
    ]
    assert "[erased]" in body["dispatches"][0]["explanation"]
    kinds = [event["type"] for event in body["events"]]
    assert kinds[:2] == ["created", "routed"]
    assert "dispatch_status" in kinds

    cancelled_body = (await client.get(f"/v1/requests/{cancelled}")).json()
    assert cancelled_body["status"] == "cancelled"
    assert cancelled_body["preferred_channel"] == "interpol"  # the skeleton keeps the override
    created = cancelled_body["events"][0]["detail"]
    assert created["override"] == {"preferred_channel": "interpol"}
    assert "override.reason" in created["erased"]


async def test_the_erasure_is_audited_without_the_erased_content(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    requests = await scenario(app, client)
    await age(app, days=40)
    async with transaction(app.state.runtime.sessions) as session:
        await purge_batch(
            session, older_than=timedelta(days=30), actor=Actor.system("operator:dpo"), now=utcnow()
        )
        erasures = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "erasure"))
        ).all()
        assert (await verify(session)).ok
    assert {str(e.request_id) for e in erasures} == {
        requests["answered"]["id"],
        requests["cancelled"]["id"],
    }
    for entry in erasures:
        assert (entry.actor, entry.role) == ("operator:dpo", "system")
        assert entry.justification == "retention period elapsed: terminal for more than 30 days"
        assert not any(word in repr(entry.detail) for word in SECRET_WORDS)
        assert "subject" in entry.detail["request_fields"]


async def test_only_requests_terminal_for_long_enough_are_purged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await scenario(app, client)
    await age(app, days=10)
    async with transaction(app.state.runtime.sessions) as session:
        purged = await purge_batch(
            session, older_than=timedelta(days=30), actor=Actor.system("operator:dpo"), now=utcnow()
        )
    assert purged == []


async def test_the_purge_command(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await scenario(app, client)
    await age(app, days=40)
    monkeypatch.setenv("OSS_ROUTER_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        argv = ["purge", "--older-than", "30", "--batch-size", "1", "--actor", "dpo"]
        assert await asyncio.to_thread(cli.main, argv) == 0
        assert await asyncio.to_thread(cli.main, argv) == 0  # nothing left: purged once only
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "purged 2 requests terminal for more than 30 days",
        "purged 0 received requests closed for more than 30 days",
        "erased 0 attachments (of purged exchanges, or uploads never sent)",
        "purged 0 requests terminal for more than 30 days",
        "purged 0 received requests closed for more than 30 days",
        "erased 0 attachments (of purged exchanges, or uploads never sent)",
    ]
    progress = [  # stderr; stdout keeps only the result
        line.split(" (")[0] for line in captured.err.splitlines() if line.startswith("purge: ")
    ]
    assert progress[0] == "purge: 1/2 requests purged"  # the first batch of one, out of two
    assert [line for line in progress if line.endswith("done")] == [
        "purge: 2/2 done",
        "purge: 0 done",
    ]
    auditor = auth_headers(app, Role.AUDITOR)
    entries = (await client.get("/v1/audit?action=erasure", headers=auditor)).json()["items"]
    assert [entry["actor"] for entry in entries] == ["operator:dpo", "operator:dpo"]


async def test_a_failed_request_with_a_dispatch_in_flight_is_not_purged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # A failed dispatch makes its request "failed" while the other is still on its way
    # (decision 0018): the answer still to come must find the request's data.
    body = request_body("person", target_countries=["DE", "US"])
    created = (await client.post("/v1/requests", json=body)).json()
    await publish(app)
    failed_one = {**created, "dispatches": created["dispatches"][:1]}
    await report(app, failed_one, "failed", error="SIENA refused the message")
    await age(app, days=40)

    async with transaction(app.state.runtime.sessions) as session:
        purged = await purge_batch(
            session,
            older_than=timedelta(days=30),
            actor=Actor.operator("operator:dpo"),
            now=utcnow(),
        )

    assert purged == []
    shown = (await client.get(f"/v1/requests/{created['id']}")).json()
    assert (shown["status"], shown["purged_at"]) == ("failed", None)
    assert [d["status"] for d in shown["dispatches"]] == ["failed", "sent"]

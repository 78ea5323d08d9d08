"""The audit log (LED Art. 25): what is logged, the tamper-evident chain, the auditor's API."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tests.support.audit import log_of, run_cli, without_triggers
from tests.support.auth import auth_headers
from tests.support.payloads import PURPOSE, request_body

from oss_router.app import create_app
from oss_router.audit.repository import CURSOR_MESSAGE
from oss_router.audit.verify import verify
from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.db import transaction
from oss_router.models import AuditEntry
from oss_router.outbox.relay import Relay


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The gateway alone; the tests publish with a relay they drive themselves."""
    application = create_app(settings, migrate=True, embedded=False)
    async with application.router.lifespan_context(application):
        yield application


async def publish(app: FastAPI) -> None:
    runtime = app.state.runtime
    await Relay(runtime.sessions, runtime.broker).publish_pending()


def shape(entry: AuditEntry) -> tuple[Any, ...]:
    return (entry.action, entry.actor, entry.role, entry.justification, entry.recipients)


async def test_every_operation_on_personal_data_is_logged(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    supervisor = auth_headers(app, Role.SUPERVISOR, "sofia")
    overridden = request_body(
        target_countries=["DE"], preferred_channel="interpol", override_reason="SIENA is down"
    )
    created = (await client.post("/v1/requests", json=overridden, headers=supervisor)).json()
    request_id = created["id"]
    await publish(app)
    await client.get("/v1/requests")  # a list view first: a detail read covers later ones
    await client.get(f"/v1/requests/{request_id}")
    await client.post(
        f"/v1/requests/{request_id}/cancel",
        json={"reason": "answered by phone"},
        headers=supervisor,
    )

    entries = await log_of(app)
    assert [shape(entry) for entry in entries] == [
        ("collection", "supervisor:sofia", "supervisor", PURPOSE,
         [{"channel": "interpol", "country": "DE"}]),
        ("alteration", "supervisor:sofia", "supervisor", "SIENA is down",
         [{"channel": "interpol", "country": "DE"}]),
        ("disclosure", "system:relay", "system", PURPOSE,
         [{"channel": "interpol", "country": "DE"}]),
        ("consultation", "officer:test-officer", "officer", PURPOSE, []),
        ("consultation", "officer:test-officer", "officer", PURPOSE, []),
        ("consultation", "officer:test-officer", "officer", PURPOSE, []),  # registers checked
        ("alteration", "supervisor:sofia", "supervisor", "answered by phone",
         [{"channel": "interpol", "country": "DE"}]),
    ]  # fmt: skip
    assert all(str(entry.request_id) == request_id for entry in entries)
    assert entries[1].detail == {"operation": "routing_override", "preferred_channel": "interpol"}
    assert entries[2].detail["requested_by"] == "sofia"
    assert [entry.detail.get("via") for entry in entries[3:6]] == [
        "list",
        "read",
        "register check",
    ]
    assert entries[6].detail == {"operation": "cancel"}


async def test_a_list_page_logs_one_consultation_per_request_shown(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Created by a supervisor: the officer who lists them has consulted none of them yet.
    supervisor = auth_headers(app, Role.SUPERVISOR, "sofia")
    ids = [
        (await client.post("/v1/requests", json=request_body(), headers=supervisor)).json()["id"]
        for _ in range(3)
    ]
    page = (await client.get("/v1/requests", params={"limit": 2})).json()
    shown = [item["id"] for item in page["items"]]
    entries = await log_of(app)
    listed = [e for e in entries if e.action == "consultation" and e.detail["via"] == "list"]
    assert [str(entry.request_id) for entry in listed] == shown
    assert set(shown) < set(ids)
    # Creating the same lookup again named the earlier request (a possible duplicate): that
    # disclosed it to the caller, which is a consultation too.
    duplicates = [e for e in entries if e.detail.get("via") == "duplicate check"]
    assert [str(entry.request_id) for entry in duplicates] == [ids[0], ids[1]]  # newest match


async def test_the_chain_verifies_and_the_cli_prints_its_head(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    await publish(app)
    await client.get(f"/v1/requests/{request_id}")
    async with transaction(app.state.runtime.sessions) as session:
        report = await verify(session)
    # collection, disclosure, the read and its check of the national registers
    assert (report.ok, report.entries, report.head_seq) == (True, 4, 4)

    assert await _cli(monkeypatch, database_url, "audit", "verify") == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 4 entries; head 4:")
    head = out.split("head ")[1].strip()
    assert await _cli(monkeypatch, database_url, "audit", "verify", "--expect-head", head) == 0


async def test_an_edited_entry_is_caught_and_named(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    for _ in range(3):
        await client.get(f"/v1/requests/{request_id}")
    # Someone with database superuser rights goes around the append-only triggers.
    async with _without_triggers(app) as connection:
        await connection.execute(
            text("UPDATE audit_log SET actor = 'officer:someone-else' WHERE seq = 3")
        )

    assert await _cli(monkeypatch, database_url, "audit", "verify") == 1
    err = capsys.readouterr().err
    assert "BROKEN at entry 3: the entry's content does not match its hash (edited)" in err
    assert "2 entries before it are intact" in err


async def test_a_deleted_entry_and_a_cut_tail_are_caught(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    for _ in range(4):
        await client.get(f"/v1/requests/{request_id}")
    async with _without_triggers(app) as connection:
        await connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    assert await _broken(app) == (2, "entry 2 is missing (the next one is 3)")

    async with _without_triggers(app) as connection:
        await connection.execute(text("DELETE FROM audit_log WHERE seq >= 2"))
    # The collection, then each read and its register check.
    assert await _broken(app) == (2, "the chain head names entry 9 but the log ends at 1")


async def test_a_rewritten_chain_is_caught_against_a_kept_head(
    app: FastAPI,
    client: httpx.AsyncClient,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Recomputing every hash after an edit passes the chain check; a head kept elsewhere not."""
    from oss_router.audit.chain import entry_hash

    request_id = (await client.post("/v1/requests", json=request_body())).json()["id"]
    await client.get(f"/v1/requests/{request_id}")
    await _cli(monkeypatch, database_url, "audit", "verify")
    kept_head = capsys.readouterr().out.split("head ")[1].strip()

    entries = await log_of(app)
    entries[0].actor = "officer:someone-else"
    previous = "0" * 64
    async with _without_triggers(app) as connection:
        for entry in entries:
            entry.prev_hash = previous
            entry.hash = previous = entry_hash(entry)
            await connection.execute(
                text("UPDATE audit_log SET actor=:a, prev_hash=:p, hash=:h WHERE seq=:s"),
                {"a": entry.actor, "p": entry.prev_hash, "h": entry.hash, "s": entry.seq},
            )
        await connection.execute(text("UPDATE audit_chain_head SET hash=:h"), {"h": previous})

    assert await _cli(monkeypatch, database_url, "audit", "verify") == 0
    capsys.readouterr()
    assert await _cli(monkeypatch, database_url, "audit", "verify", "--expect-head", kept_head) == 1
    assert "no longer has the hash" in capsys.readouterr().err


async def test_the_database_refuses_to_change_or_delete_entries(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await client.post("/v1/requests", json=request_body())
    for statement in [
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "UPDATE audit_chain_head SET seq = 0",
    ]:
        with pytest.raises(DBAPIError, match=r"append-only|only moves forward"):
            async with app.state.runtime.engine.begin() as connection:
                await connection.execute(text(statement))
    assert len(await log_of(app)) == 1


async def test_concurrent_writers_keep_one_unbroken_chain(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Many transactions audit at once (on PostgreSQL each in its own connection)."""
    ids = [(await client.post("/v1/requests", json=request_body())).json()["id"] for _ in range(4)]
    reads = [client.get(f"/v1/requests/{request_id}") for request_id in ids * 10]
    creates = [client.post("/v1/requests", json=request_body()) for _ in range(10)]
    responses = await asyncio.gather(*reads, *creates, publish(app))
    assert all(r.status_code in (200, 202) for r in responses if r is not None)

    entries = await log_of(app)
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert len(entries) >= 4 + 40 + 10
    async with transaction(app.state.runtime.sessions) as session:
        assert (await verify(session)).ok


async def test_a_batch_of_disclosures_is_chained_in_one_append(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The relay audits a batch of dispatches at once: far more entries than one request's."""
    body = request_body(target_countries=["FR", "TR", "BR"])  # three channels each
    for _ in range(6):
        assert (await client.post("/v1/requests", json=body)).status_code == 202
    await publish(app)
    entries = await log_of(app)
    disclosures = [entry for entry in entries if entry.action == "disclosure"]
    assert len(disclosures) == 18
    assert {entry.recipients[0]["country"] for entry in disclosures} == {"FR", "TR", "BR"}
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    async with transaction(app.state.runtime.sessions) as session:
        assert (await verify(session)).ok


async def test_the_auditor_filters_and_pages_the_log(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first = (await client.post("/v1/requests", json=request_body())).json()["id"]
    second = (await client.post("/v1/requests", json=request_body(kind="vehicle"))).json()["id"]
    await client.get(f"/v1/requests/{first}")
    await client.get(f"/v1/requests/{second}", headers=auth_headers(app, Role.SUPERVISOR, "sofia"))
    auditor = auth_headers(app, Role.AUDITOR, "dpo")

    async def query(**params: Any) -> list[dict[str, Any]]:
        response = await client.get("/v1/audit", params=params, headers=auditor)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    # 1, 2: collections; 3, 4: the officer's read of the first and its register check; 5, 6:
    # the supervisor's of the second.
    assert [e["seq"] for e in await query()] == [6, 5, 4, 3, 2, 1]
    assert [e["seq"] for e in await query(request_id=first)] == [4, 3, 1]
    assert [e["seq"] for e in await query(actor="supervisor:sofia")] == [6, 5]
    assert [e["seq"] for e in await query(action="collection")] == [2, 1]
    at = (await query())[3]["at"]
    assert [e["seq"] for e in await query(since=at)] == [6, 5, 4, 3]
    assert [e["seq"] for e in await query(until=at)] == [2, 1]

    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/audit", params=params, headers=auditor)).json()
        seen += [entry["seq"] for entry in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [6, 5, 4, 3, 2, 1]
    bad = await client.get("/v1/audit", params={"cursor": "nonsense"}, headers=auditor)
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "cursor", "message": CURSOR_MESSAGE}]
    entry = (await query(request_id=first, action="consultation"))[0]
    assert "subject" not in entry  # the auditor sees who, when, why, to whom; not about whom


async def test_reading_the_log_needs_no_request_data_and_is_time_bounded(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    auditor = auth_headers(app, Role.AUDITOR)
    for value in ["9999-12-31T23:59:59-05:00", "2026-01-01T00:00:00"]:
        response = await client.get("/v1/audit", params={"since": value}, headers=auditor)
        assert response.status_code == 422, value


# --- helpers --------------------------------------------------------------------------------


_without_triggers = without_triggers


async def _broken(app: FastAPI) -> tuple[int | None, str | None]:
    async with transaction(app.state.runtime.sessions) as session:
        report = await verify(session)
    return report.broken_seq, report.reason


_cli = run_cli

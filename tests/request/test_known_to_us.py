"""What the national registers hold on an outgoing request's subject ("known to us"): shown by
the preview and by opening the request, and each check audited as a consultation (LED Art. 25)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.models import AuditEntry
from tests.conftest import make_settings
from tests.support.audit import log_of
from tests.support.auth import auth_headers
from tests.support.payloads import PURPOSE, request_body

WANTED = {"family_name": "WISNIEWSKI", "given_names": "Lukasz", "date_of_birth": "1987-04-12"}
STOLEN_VIN = {"vin": "TMBJJ7NE5L0123456", "make": "Skoda"}


def register_checks(log: list[AuditEntry]) -> list[AuditEntry]:
    return [
        entry
        for entry in log
        if entry.action == "consultation" and entry.detail.get("via") == "register check"
    ]


async def test_the_preview_shows_a_wanted_person_and_audits_the_check(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/v1/routing/preview", json=request_body(subject=WANTED))
    assert response.status_code == 200, response.text
    known = response.json()["known_to_us"]
    assert known["registers"] == ["missing_persons", "wanted_persons"]
    assert known["unavailable"] == []
    assert known["access_type"] == "direct"
    [hit] = known["hits"]
    assert hit["register"] == "wanted_persons"
    assert hit["record_reference"] == "PL-WP-2025-000117"
    assert hit["match"] == "name_and_birth_date"

    [entry] = register_checks(await log_of(app))
    assert entry.actor == "officer:test-officer"
    assert entry.request_id is None  # nothing stored yet
    assert entry.justification == PURPOSE
    assert entry.detail == {
        "via": "register check",
        "context": "preview",
        "kind": "person",
        "registers": ["missing_persons", "wanted_persons"],
        "unavailable": [],
        "hits": [{"register": "wanted_persons", "record_reference": "PL-WP-2025-000117"}],
    }


async def test_a_clean_subject_is_checked_and_audited_too(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/v1/routing/preview", json=request_body("vehicle"))
    known = response.json()["known_to_us"]
    assert known["registers"] == ["stolen_vehicles"]
    assert known["hits"] == []
    [entry] = register_checks(await log_of(app))
    assert entry.detail["hits"] == []


async def test_a_draft_without_a_subject_checks_no_register(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    body = request_body()
    del body["subject"]
    response = await client.post("/v1/routing/preview", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["known_to_us"] is None
    assert register_checks(await log_of(app)) == []


async def _create(client: httpx.AsyncClient, **overrides: Any) -> str:
    response = await client.post("/v1/requests", json=request_body(**overrides))
    assert response.status_code == 202, response.text
    assert response.json()["known_to_us"] is None  # intake checks nothing (decision 0025)
    return str(response.json()["id"])


async def test_opening_a_request_checks_the_registers_each_time(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request_id = await _create(client, kind="vehicle", subject=STOLEN_VIN)
    for _ in range(2):
        response = await client.get(f"/v1/requests/{request_id}")
        assert response.status_code == 200
        known = response.json()["known_to_us"]
        assert [hit["record_reference"] for hit in known["hits"]] == ["PL-SV-2026-011870"]
        assert known["hits"][0]["match"] == "vin"
    checks = register_checks(await log_of(app))
    assert len(checks) == 2
    assert {str(entry.request_id) for entry in checks} == {request_id}
    assert {entry.detail["context"] for entry in checks} == {"read"}
    assert all(entry.justification == PURPOSE for entry in checks)


async def test_a_refresh_and_a_list_ask_no_register(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request_id = await _create(client, subject=WANTED)
    refreshed = await client.get(f"/v1/requests/{request_id}", params={"refresh": "true"})
    assert refreshed.json()["known_to_us"] is None
    listed = await client.get("/v1/requests")
    assert [item["known_to_us"] for item in listed.json()["items"]] == [None]
    assert register_checks(await log_of(app)) == []


async def test_another_role_opening_it_is_logged_as_that_person(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    request_id = await _create(client, subject=WANTED)
    supervisor = auth_headers(app, Role.SUPERVISOR, "ewa")
    await client.get(f"/v1/requests/{request_id}", headers=supervisor)
    [entry] = register_checks(await log_of(app))
    assert entry.actor == "supervisor:ewa"


@pytest.fixture
async def app_with_an_outage(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    monkeypatch.setenv("OSS_ROUTER_REGISTER_WANTED_PERSONS_ERROR_RATE", "1")
    application = create_app(make_settings(database_url), migrate=True)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_register_that_fails_is_named_not_hidden(app_with_an_outage: FastAPI) -> None:
    app = app_with_an_outage
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        client.headers.update(auth_headers(app, Role.OFFICER))
        response = await client.post("/v1/routing/preview", json=request_body(subject=WANTED))
    known = response.json()["known_to_us"]
    assert known["unavailable"] == ["wanted_persons"]
    assert known["hits"] == []  # not "unknown to us": the page says the register did not answer
    [entry] = register_checks(await log_of(app))
    assert entry.detail["unavailable"] == ["wanted_persons"]

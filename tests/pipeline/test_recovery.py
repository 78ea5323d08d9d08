"""Embedded mode: what the in-process broker lost at shutdown is published again at start-up."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from oss_router.messages.codes import Channel
from tests.conftest import make_settings
from tests.support.accounting import Ledger
from tests.support.auth import auth_headers
from tests.support.payloads import request_body
from tests.support.polling import eventually, until_terminal


@asynccontextmanager
async def embedded(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, embedded=True, migrate=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = auth_headers(app, Role.OFFICER)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as client:
            yield client


def adapters_latency(monkeypatch: pytest.MonkeyPatch, milliseconds: int) -> None:
    for channel in Channel:
        monkeypatch.setenv(f"OSS_ROUTER_ADAPTER_{channel.name}_LATENCY_MS", str(milliseconds))
        monkeypatch.setenv(f"OSS_ROUTER_ADAPTER_{channel.name}_LATENCY_JITTER_MS", "0")


async def test_dispatches_in_flight_at_shutdown_are_answered_after_a_restart(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(database_url, shutdown_grace_seconds=0)
    adapters_latency(monkeypatch, 60_000)  # the channel holds the dispatch when we stop
    async with embedded(settings) as client:
        created = await client.post("/v1/requests", json=request_body())
        assert created.status_code == 202, created.text
        request_id = created.json()["id"]
        await eventually(
            lambda: client.get(f"/v1/requests/{request_id}"),
            lambda response: response.json()["dispatches"][0]["status"] == "delivered",
        )
    adapters_latency(monkeypatch, 0)
    async with embedded(settings) as client:
        body = await until_terminal(client, request_id)
    assert body["status"] == "answered"
    ledger = Ledger()
    ledger.record(body)
    assert ledger.clean, ledger.summary()

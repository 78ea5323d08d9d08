"""The supervisor's retry over RabbitMQ (a fresh virtual host; SQLite and PostgreSQL): the
same end-to-end path as on the embedded broker, the retried journey answered once."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from oss_router.app import create_app
from oss_router.auth.principal import Role
from oss_router.config import Settings
from tests.conftest import make_settings
from tests.request.test_retry import REASON, failed_request, retry, until
from tests.support.auth import auth_headers
from tests.support.rabbitmq import fresh_vhost

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def settings(database_url: str) -> Iterator[Settings]:
    with fresh_vhost() as broker_url:
        yield make_settings(database_url, broker_url=broker_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """Gateway, relay, tracker and the stub workers in this process, on RabbitMQ."""
    application = create_app(settings, migrate=True, embedded=True)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_failed_dispatch_retried_over_rabbitmq_ends_answered(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failed = await failed_request(client, ["DE"])
    assert (failed["status"], failed["needs_action"]) == ("failed", True)
    supervisor: dict[str, Any] = {"headers": auth_headers(app, Role.SUPERVISOR, "sofia")}

    response = await client.post(
        f"/v1/requests/{failed['id']}/dispatches/{failed['dispatches'][0]['id']}/retry",
        json={"reason": REASON},
        **supervisor,
    )

    assert response.status_code == 202, response.text
    final = await until(client, failed["id"], ["answered"])
    assert (final["status"], final["needs_action"]) == ("answered", False)
    answers = [e for e in final["events"] if e["to_status"] == "answered"]
    assert len([e for e in answers if e["type"] == "dispatch_status"]) == 1
    [retried] = [e for e in final["events"] if e["type"] == "retried"]
    assert (retried["actor"], retried["detail"]["replay"]) == ("supervisor:sofia", 1)
    assert (await retry(client, final)).status_code == 403  # the officer's client

"""The registrar in the embedded runtime (in-process broker, SQLite and PostgreSQL): what a stub
partner sends is registered once with its deadline; what cannot be registered is dead-lettered;
a clarification goes to the actions' code."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from oss_router.auth.principal import Role
from oss_router.broker.contract import OutgoingMessage
from oss_router.broker.topology import INBOUND_DEAD_QUEUE, INBOUND_EXCHANGE, INBOUND_KEY
from oss_router.config import Settings
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel, Kind
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router.models import InboundRequest
from oss_router.runtime import Runtime
from tests.conftest import make_settings
from tests.support.auth import auth_headers
from tests.support.payloads import SUBJECTS
from tests.support.polling import eventually

pytestmark = pytest.mark.postgres


def runtime_of(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


async def rows(app: FastAPI) -> list[InboundRequest]:
    async with runtime_of(app).sessions() as session:
        return list((await session.scalars(select(InboundRequest))).all())


async def count(app: FastAPI) -> int:
    async with runtime_of(app).sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundRequest)) or 0)


def partner_message(**overrides: Any) -> PartnerMessage:
    reference = overrides.pop("partner_reference", f"SIENA-DE-{uuid.uuid4().hex[:12]}")
    values: dict[str, Any] = {
        "message_id": partner_message_id(Channel.EUROPOL, reference),
        "channel": Channel.EUROPOL,
        "partner_reference": reference,
        "requesting_country": "DE",
        "requesting_authority": "Single point of contact, Germany",
        "received_at": datetime.now(UTC) - timedelta(minutes=1),
        "kind": Kind.PERSON,
        "subject": dict(SUBJECTS["person"]),
        "purpose": "Armed robbery investigation",
        "correlation_id": f"partner-{reference}",
    }
    values.update(overrides)
    return PartnerMessage(**values)


async def publish(app: FastAPI, *messages: PartnerMessage | bytes) -> None:
    await runtime_of(app).broker.publish(
        [
            OutgoingMessage(
                exchange=INBOUND_EXCHANGE,
                routing_key=INBOUND_KEY,
                body=m if isinstance(m, bytes) else m.model_dump_json().encode(),
                message_id=str(uuid.uuid4()) if isinstance(m, bytes) else str(m.message_id),
            )
            for m in messages
        ]
    )


async def handled(app: FastAPI, outcome: str, expected: int) -> None:
    registrar = runtime_of(app).registrar
    assert registrar is not None

    async def value() -> int:
        return registrar.handled.get(outcome, 0)

    await eventually(value, lambda n: n == expected)


async def simulate(client: httpx.AsyncClient, app: FastAPI, **body: Any) -> httpx.Response:
    return await client.post(
        "/v1/simulate/inbound", json=body, headers=auth_headers(app, Role.SUPERVISOR)
    )


async def test_simulated_requests_of_every_channel_are_registered_with_their_deadline(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for channel in RECEIVING_CHANNELS:
        response = await simulate(client, app, channel=channel.value, count=3)
        assert response.status_code == 202, response.text
        assert response.json()["count"] == 3
    await eventually(lambda: count(app), lambda n: n == 15, timeout=30)
    registered = await rows(app)
    assert {row.channel for row in registered} == {channel.value for channel in RECEIVING_CHANNELS}
    assert all(
        row.source == "channel" and row.registered_by == "system:registrar" for row in registered
    )
    assert all(row.due_at > row.received_at and row.deadline_basis for row in registered)
    assert all(row.national_check is not None for row in registered)  # checked on registration
    sirene = [row for row in registered if row.channel == "sirene"]
    assert all(row.due_at - row.received_at == timedelta(hours=12) for row in sirene)
    assert all(row.unit for row in registered if row.channel == "pccc")


async def test_urgent_simulation_makes_urgent_requests(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await simulate(client, app, channel="interpol", count=4, urgent=True)
    assert response.status_code == 202
    await eventually(lambda: count(app), lambda n: n == 4)
    assert {row.urgency for row in await rows(app)} == {"urgent"}


async def test_a_message_handed_over_twice_is_registered_once(app: FastAPI) -> None:
    message = partner_message()
    await publish(app, message, message)
    await handled(app, "registered", 1)
    await handled(app, "duplicate", 1)
    (row,) = await rows(app)
    assert row.partner_reference == message.partner_reference
    assert row.requesting_country == "DE"


async def test_copies_of_a_message_in_one_batch_register_it_once(app: FastAPI) -> None:
    """The batch claims its messages' ids in one statement: a copy arriving with the first
    (the adapter handed it over again at once) is a duplicate all the same."""
    message, others = partner_message(), [partner_message() for _ in range(6)]
    await publish(app, *others[:3], message, message, *others[3:], message)
    await handled(app, "registered", len(others) + 1)
    await handled(app, "duplicate", 2)
    references = [row.partner_reference for row in await rows(app)]
    assert sorted(references) == sorted(m.partner_reference for m in [message, *others])


async def test_what_cannot_be_registered_is_dead_lettered(app: FastAPI) -> None:
    urgent_without_ground = partner_message(urgency="urgent")
    unknown_country = partner_message(requesting_country="QQ")
    await publish(app, b"{not json", urgent_without_ground, unknown_country)
    await handled(app, "malformed", 3)
    broker = runtime_of(app).broker
    await eventually(lambda: broker.queue_stats(INBOUND_DEAD_QUEUE), lambda s: s.messages == 3)
    assert await count(app) == 0


async def test_messages_arriving_together_share_transactions_and_one_refused_spares_the_rest(
    app: FastAPI,
) -> None:
    """Checked while a batch is written, messages go in the next one together; one that the
    registration refuses inside the transaction (received more than a year ago) fails its
    batch, and the batch is applied again one by one: the others are registered, it alone is
    dead-lettered."""
    registrar = runtime_of(app).registrar
    assert registrar is not None
    good = [partner_message() for _ in range(15)]
    too_old = partner_message(received_at=datetime.now(UTC) - timedelta(days=400))
    await publish(app, *good[:7], too_old, *good[7:])
    await handled(app, "registered", len(good))
    await handled(app, "malformed", 1)
    assert {row.partner_reference for row in await rows(app)} == {
        message.partner_reference for message in good
    }
    # Fewer writer transactions than messages: some held more than one (the one-by-one
    # transactions after the failed batch are not the writer's).
    assert registrar.batches < len(good) // 2
    broker = runtime_of(app).broker
    await eventually(lambda: broker.queue_stats(INBOUND_DEAD_QUEUE), lambda s: s.messages == 1)


async def test_a_clarification_about_no_request_held_is_acknowledged_and_ignored(
    app: FastAPI,
) -> None:
    clarification = partner_message(
        type="clarification",
        in_reply_to="SIENA-DE-unknown",
        text="The case number is 55/26.",
        kind=None,
        subject=None,
        purpose=None,
    )
    await publish(app, clarification)
    await handled(app, "clarification_ignored", 1)
    assert (await runtime_of(app).broker.queue_stats(INBOUND_DEAD_QUEUE)).messages == 0


async def test_simulation_is_for_supervisors_and_configured_channels(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    officer = await client.post("/v1/simulate/inbound", json={"channel": "pccc", "count": 1})
    assert officer.status_code == 403
    too_many = await simulate(client, app, channel="pccc", count=1_001)
    assert too_many.status_code == 422
    assert too_many.headers["content-type"] == "application/problem+json"
    assert "count" in too_many.text


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


async def test_simulation_can_be_turned_off(database_url: str) -> None:
    from oss_router.app import create_app

    app = create_app(make_settings(database_url, simulation=False, channels=["pccc"]), migrate=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            off = await simulate(client, app, channel="pccc", count=1)
    assert off.status_code == 404


@pytest.mark.parametrize(("linger_ms", "gap_seconds"), [(1000.0, 0.05), (0.0, 0.15)])
async def test_at_a_trickle_a_batch_waits_for_company_only_when_told_to(
    database_url: str, linger_ms: float, gap_seconds: float
) -> None:
    """After a small batch the next one waits ``registrar_idle_linger_ms`` for others:
    messages sent one at a time, closer together than that, share transactions (decision
    0037); with 0 each is written as it comes."""
    from oss_router.app import create_app

    settings = make_settings(database_url, registrar_idle_linger_ms=linger_ms)
    app = create_app(settings, migrate=True)
    async with app.router.lifespan_context(app):
        registrar = runtime_of(app).registrar
        assert registrar is not None
        messages = [partner_message() for _ in range(5)]
        for message in messages:
            await publish(app, message)
            await asyncio.sleep(gap_seconds)
        await handled(app, "registered", len(messages))
        if linger_ms:
            assert registrar.batches <= 2
        else:
            assert registrar.batches == len(messages)

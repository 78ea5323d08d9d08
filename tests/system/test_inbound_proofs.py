"""Issue 13's proofs of the receiving side, on PostgreSQL and RabbitMQ in separate processes.

1. 300 simulated requests over the five channels that carry requests (not Prüm), through the
   stub partners, the workers' receive loops, RabbitMQ and the registrar, with a worker
   killed ``-9`` midway: each is registered exactly once, with the deadline and basis its
   channel, requesting state, urgency and access type call for, counted from its receipt;
   0 lost, 0 duplicated.
2. Every reply (answer, refusal, clarification request, delay notice) reaches the stub partner
   exactly once — also across a broker restart (``test_replies_survive_a_broker_restart``:
   it stops and starts RabbitMQ, like ``test_proofs.py``; run it only where nothing else uses
   the broker).

The stub partners keep their side in files (``OSS_ROUTER_ADAPTER_<CHANNEL>_PARTNER_DIR``):
what they sent, what was acknowledged to them, the replies they received. That is what makes a
partner outlive a killed worker, as a real channel's message store does, and what these tests
compare the database with.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from oss_router.broker.topology import (
    INBOUND_DEAD_QUEUE,
    INBOUND_QUEUE,
    RESULTS_QUEUE,
    dispatch_queue,
)
from oss_router.config import Settings
from oss_router.country.loader import load_reference_data
from oss_router.inbound.deadlines import InboundTargets, compute_due
from oss_router.messages.codes import RECEIVING_CHANNELS, AccessType, Channel, Urgency
from tests.support.deployment import Deployment, queue_messages, wait_consumers
from tests.support.polling import eventually
from tests.support.rabbitmq import rabbitmqctl

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.rabbitmq]

PER_CHANNEL = 60
EXPECTED = len(RECEIVING_CHANNELS) * PER_CHANNEL
REFERENCE = load_reference_data()
TARGETS = InboundTargets.from_settings(Settings())


def partner_dir(deployment: Deployment, channel: Channel) -> Path:
    return deployment.log_dir.parent / "partners" / channel.value


def partner_env(deployment: Deployment, channel: Channel, **extra: str) -> dict[str, str]:
    prefix = f"OSS_ROUTER_ADAPTER_{channel.name}_"
    return {
        prefix + "PARTNER_DIR": str(partner_dir(deployment, channel)),
        **{prefix + key.upper(): value for key, value in extra.items()},
    }


def start_worker(
    deployment: Deployment, name: str, channel: Channel, env: dict[str, str] | None = None
) -> None:
    deployment.start(
        name,
        "worker",
        "--channel",
        channel.value,
        env={**partner_env(deployment, channel), **(env or {})},
    )


def spool(deployment: Deployment, channel: Channel, name: str) -> list[dict[str, Any]]:
    path = partner_dir(deployment, channel) / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def simulate(deployment: Deployment, channel: Channel, count: int) -> None:
    done = deployment.command(
        "simulate", "inbound", "--channel", channel.value, "--count", str(count)
    )
    assert done.returncode == 0, done.stderr
    assert f"sends {count} request(s)" in done.stdout


@contextlib.asynccontextmanager
async def database(deployment: Deployment) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(deployment.database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(sql), params)).all())


def expected_hours(channel: str, country: str, urgency: str, access_type: str) -> int:
    """The table of docs/inbound.md, written out independently of ``inbound/deadlines.py``."""
    urgent = urgency == "urgent"
    if channel == "sirene":
        return 12  # Regulation (EU) 2018/1862 Art. 8(3)
    if channel == "europol" and REFERENCE.is_eu_or_schengen(country):  # Directive Art. 5(1)
        if not urgent:
            return 7 * 24
        return 8 if access_type == "direct" else 3 * 24
    situation = "europol_partner" if channel == "europol" else channel
    urgent_hours, normal_hours = getattr(TARGETS, situation)
    return urgent_hours if urgent else normal_hours


async def test_300_inbound_requests_are_registered_exactly_once_despite_a_killed_worker(
    deployment: Deployment,
) -> None:
    """Proof 1."""
    deployment.start("registrar", "registrar")
    doomed = Channel.EUROPOL
    # The doomed worker's partner sends one message every 100 ms, taken 4 at a time: the kill
    # lands while messages are being received, published and acknowledged.
    paced = partner_env(deployment, doomed, send_interval_ms="100")
    start_worker(
        deployment, "worker-doomed", doomed, {**paced, "OSS_ROUTER_INBOUND_BATCH_SIZE": "4"}
    )
    for channel in RECEIVING_CHANNELS:
        if channel is not doomed:
            start_worker(deployment, f"worker-{channel}", channel)
    await wait_consumers(
        deployment.broker_url, [INBOUND_QUEUE, *map(dispatch_queue, RECEIVING_CHANNELS)]
    )

    async with database(deployment) as engine:
        simulate(deployment, doomed, PER_CHANNEL)  # the doomed worker's partner first

        def of_channel(name: str) -> Any:
            return lambda: scalar(
                engine, "SELECT count(*) FROM inbound_requests WHERE channel = :c", c=name
            )

        at_kill = await eventually(of_channel(doomed.value), lambda n: n >= 12, timeout=60)
        deployment.kill("worker-doomed")
        assert at_kill < PER_CHANNEL, "the worker must die midway, not after the last message"
        start_worker(deployment, "worker-successor", doomed)
        for channel in RECEIVING_CHANNELS:
            if channel is not doomed:
                simulate(deployment, channel, PER_CHANNEL)
        total = "SELECT count(*) FROM inbound_requests"
        await eventually(
            lambda: scalar(engine, total),
            lambda n: n >= EXPECTED,
            timeout=120,
        )
        await asyncio.sleep(1.0)  # anything redelivered late would show as a second row now
        registered = await rows(
            engine,
            "SELECT id, channel, partner_reference, requesting_country, urgency, access_type,"
            " received_at, due_at, deadline_basis, registered_by FROM inbound_requests",
        )
        received_events = await rows(
            engine,
            "SELECT inbound_id, count(*) FROM inbound_events WHERE type = 'received'"
            " GROUP BY inbound_id",
        )
    await assert_registered_once_each(deployment, registered, received_events)


async def assert_registered_once_each(
    deployment: Deployment, registered: list[Any], received_events: list[Any]
) -> None:
    """What the partners sent is what was registered: once each, from its receipt, with the
    deadline its channel, state, urgency and access type call for; nothing left anywhere."""
    sent = {
        line["message"]["partner_reference"]: line["message"]
        for channel in RECEIVING_CHANNELS
        for line in spool(deployment, channel, "sent.jsonl")
    }
    assert len(sent) == EXPECTED
    by_reference = {(row.channel, row.partner_reference): row for row in registered}
    assert len(registered) == len(by_reference) == EXPECTED  # 0 duplicated
    assert {ref for _, ref in by_reference} == set(sent)  # 0 lost, nothing else
    assert {count for _, count in received_events} == {1}  # registered once, each
    assert len(received_events) == len(registered)
    for row in registered:
        message = sent[row.partner_reference]
        assert row.channel == message["channel"]
        assert row.registered_by == "system:registrar"
        assert row.received_at == datetime.fromisoformat(message["received_at"])  # from receipt
        hours = expected_hours(row.channel, row.requesting_country, row.urgency, row.access_type)
        assert row.due_at - row.received_at == timedelta(hours=hours), row
        due = compute_due(
            channel=Channel(row.channel),
            requesting_country=row.requesting_country,
            urgency=Urgency(row.urgency),
            access_type=AccessType(row.access_type),
            received_at=row.received_at,
            targets=TARGETS,
        )
        assert row.deadline_basis == due.basis
    assert {row.channel for row in registered} == {channel.value for channel in RECEIVING_CHANNELS}
    assert await queue_messages(deployment.broker_url, INBOUND_QUEUE) == 0
    assert await queue_messages(deployment.broker_url, INBOUND_DEAD_QUEUE) == 0
    # Every message the partner sent was acknowledged to it in the end (nothing left to offer).
    for channel in RECEIVING_CHANNELS:
        acknowledged = {
            line["message_id"] for line in spool(deployment, channel, "acknowledged.jsonl")
        }
        sent_ids = {
            line["message"]["message_id"] for line in spool(deployment, channel, "sent.jsonl")
        }
        assert sent_ids <= acknowledged, channel


# -- proof 2: replies ---------------------------------------------------------------------------


# Replies travel on the queues of the channels that carry requests, their results to the tracker.
REPLY_PATH_QUEUES = [*map(dispatch_queue, RECEIVING_CHANNELS), RESULTS_QUEUE]


def start_reply_path(deployment: Deployment) -> None:
    deployment.start("gateway", "gateway")
    deployment.start("relay", "relay")
    deployment.start("tracker", "tracker")
    deployment.start("registrar", "registrar")
    for channel in RECEIVING_CHANNELS:
        start_worker(deployment, f"worker-{channel}", channel)


async def registered_ids(
    deployment: Deployment, client: httpx.AsyncClient, per_channel: int
) -> list[dict[str, Any]]:
    for channel in RECEIVING_CHANNELS:
        simulate(deployment, channel, per_channel)
    expected = per_channel * len(RECEIVING_CHANNELS)

    async def listed() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            response = await client.get("/v1/inbound", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    return list(await eventually(listed, lambda items: len(items) >= expected, timeout=60))


def is_directive(item: dict[str, Any]) -> bool:
    return item["channel"] == "europol" and REFERENCE.is_eu_or_schengen(item["requesting_country"])


async def act(client: httpx.AsyncClient, item: dict[str, Any], index: int) -> None:
    """Take the request and reply: answer, refuse, ask for clarification or notify a delay."""
    inbound = f"/v1/inbound/{item['id']}"
    taken = await client.post(f"{inbound}/assign", json={"officer": "bench-officer"})
    assert taken.status_code == 200, taken.text
    what = index % 4
    if what == 0:
        reply = await client.post(f"{inbound}/answer", json={"outcome": "no_hit"})
    elif what == 1:
        body = {"reason": "The information is not available to the bureau."}
        if is_directive(item):
            body["ground"] = "a"
        reply = await client.post(f"{inbound}/refuse", json=body)
    elif what == 2:
        question = {"question": "Please give the date of birth of the person concerned."}
        reply = await client.post(f"{inbound}/clarification-request", json=question)
    else:
        later = (datetime.now(UTC) + timedelta(days=20)).isoformat()
        body = {"reason": "A judicial authorisation is needed first.", "expected_by": later}
        reply = await client.post(f"{inbound}/delay", json=body)
    assert reply.status_code in (200, 202), reply.text


async def replies_in_database(deployment: Deployment) -> list[Any]:
    async with database(deployment) as engine:
        return await rows(
            engine,
            "SELECT id, channel, type, status, partner_message_reference FROM inbound_replies",
        )


async def wait_delivered(deployment: Deployment, expected: int, timeout: float) -> list[Any]:
    return list(
        await eventually(
            lambda: replies_in_database(deployment),
            lambda found: len(found) == expected and {r.status for r in found} == {"delivered"},
            timeout=timeout,
            interval=0.5,
        )
    )


def assert_each_delivered_once(deployment: Deployment, replies: list[Any]) -> None:
    """The partners saw each reply once: a repeated delivery (a redelivery after a restart)
    is one they recognised by its id, and the receipt we recorded is theirs."""
    first: dict[str, str] = {}
    for channel in RECEIVING_CHANNELS:
        for line in spool(deployment, channel, "replies.jsonl"):
            if line["first"]:
                assert line["reply_id"] not in first, line  # never taken in twice
                first[line["reply_id"]] = line["receipt"]
    assert set(first) == {str(reply.id) for reply in replies}
    for reply in replies:
        assert reply.partner_message_reference == first[str(reply.id)]
    assert {reply.type for reply in replies} == {
        "answer", "refusal", "clarification_request", "delay_notice",
    }  # fmt: skip


async def test_every_reply_reaches_the_partner_exactly_once(deployment: Deployment) -> None:
    """Proof 2 (without a broker restart)."""
    start_reply_path(deployment)
    await deployment.wait_ready(REPLY_PATH_QUEUES)
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        items = await registered_ids(deployment, client, 4)
        for index, item in enumerate(items):
            await act(client, item, index)
    replies = await wait_delivered(deployment, len(items), timeout=60)
    assert_each_delivered_once(deployment, replies)


async def test_replies_survive_a_broker_restart(deployment: Deployment) -> None:
    """Proof 2 across a broker restart. RESTARTS RABBITMQ (``rabbitmqctl stop_app``): run it
    only where no other test uses the broker (the CI run of the system proofs)."""
    start_reply_path(deployment)
    await deployment.wait_ready(REPLY_PATH_QUEUES)
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        items = await registered_ids(deployment, client, 8)
        half = len(items) // 2
        for index, item in enumerate(items[:half]):
            await act(client, item, index)
        try:
            rabbitmqctl("stop_app")  # replies queued, in flight or being reported now
            for index, item in enumerate(items[half:], start=half):
                await act(client, item, index)  # staged in the outbox meanwhile
        finally:
            rabbitmqctl("start_app")
        await eventually(
            lambda: client.get("/readyz"), lambda response: response.status_code == 200, timeout=60
        )
    replies = await wait_delivered(deployment, len(items), timeout=180)
    assert_each_delivered_once(deployment, replies)

"""The guarantees of docs/architecture.md, proven on PostgreSQL and RabbitMQ in separate processes.

Each test starts its own deployment (fresh database, fresh RabbitMQ virtual host): gateway,
relay, tracker and one worker per channel as ``python -m oss_router.cli.main`` processes.
"""

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from oss_router.broker.topology import RESULTS_QUEUE, dead_letter_queue, dispatch_queue
from oss_router.messages.codes import Channel
from tests.support.accounting import Ledger
from tests.support.deployment import (
    Deployment,
    consumers,
    default_queues,
    queue_messages,
    wait_consumers,
)
from tests.support.polling import eventually
from tests.support.rabbitmq import rabbitmqctl
from tests.support.traffic import read, submit, submit_all, varied_body, wait_terminal

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.rabbitmq]


@contextlib.asynccontextmanager
async def http(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        yield client


def accounted(bodies: list[dict[str, Any]]) -> Ledger:
    ledger = Ledger()
    for body in bodies:
        ledger.record(body)
    return ledger


def channels_used(bodies: list[dict[str, Any]]) -> Counter[str]:
    return Counter(d["channel"] for body in bodies for d in body["dispatches"])


async def test_500_requests_all_reach_a_terminal_status_exactly_once(
    deployment: Deployment,
) -> None:
    """Proof 1: every accepted request ends answered; nothing lost, duplicated or unexpected."""
    deployment.start_all()
    await deployment.wait_ready()
    async with http(deployment) as client:
        ids = await submit_all(client, [varied_body(index) for index in range(500)])
        bodies = await wait_terminal(client, ids)
    ledger = accounted(bodies)
    assert ledger.requests == 500
    assert ledger.clean, ledger.summary()
    assert {body["status"] for body in bodies} == {"answered"}
    # Person lookups reach every channel but Prüm (DNA and fingerprints only: its own proof is
    # tests/system/test_prum.py).
    assert set(channels_used(bodies)) == {c.value for c in Channel if c is not Channel.PRUM}


async def test_deliveries_of_a_killed_worker_are_redelivered_and_answered_once(
    deployment: Deployment,
) -> None:
    """Proof 2: ``kill -9`` a worker holding deliveries; its successor answers each once."""
    deployment.start("gateway", "gateway")
    deployment.start("relay", "relay")
    deployment.start("tracker", "tracker")
    slow = {"OSS_ROUTER_ADAPTER_EUROPOL_LATENCY_MS": "60000", "OSS_ROUTER_WORKER_PREFETCH": "8"}
    deployment.start("worker-doomed", "worker", "--channel", "europol", env=slow)
    await deployment.wait_ready([dispatch_queue(Channel.EUROPOL), RESULTS_QUEUE])
    async with http(deployment) as client:
        ids = await submit_all(client, [varied_body(2 + 6 * i) for i in range(20)])  # FR
        held = await eventually(
            lambda: _statuses(client, ids),
            lambda statuses: statuses["delivered"] == 8,
            timeout=30,
        )
        assert held["answered"] == 0
        deployment.kill("worker-doomed")
        deployment.start("worker-successor", "worker", "--channel", "europol")
        bodies = await wait_terminal(client, ids)
    ledger = accounted(bodies)
    assert ledger.clean, ledger.summary()
    assert {body["status"] for body in bodies} == {"answered"}


async def _statuses(client: httpx.AsyncClient, ids: list[str]) -> Counter[str]:
    bodies = await asyncio.gather(*(read(client, request_id) for request_id in ids))
    return Counter(d["status"] for body in bodies for d in body["dispatches"])


async def test_requests_accepted_while_rabbitmq_is_down_are_answered_after_it_returns(
    deployment: Deployment,
) -> None:
    """Proof 3: intake goes on during a broker outage; consumers come back on every queue."""
    deployment.start_all()
    await deployment.wait_ready()
    async with http(deployment) as client:
        before = await submit_all(client, [varied_body(index) for index in range(60)])
        try:
            rabbitmqctl("stop_app")
            await eventually(
                lambda: client.get("/readyz"),
                lambda response: response.status_code == 503,
                timeout=30,
            )
            assert (await client.get("/readyz")).json()["checks"]["broker"] is False
            during = await submit_all(client, [varied_body(index) for index in range(60, 120)])
        finally:
            rabbitmqctl("start_app")
        await eventually(
            lambda: client.get("/readyz"), lambda response: response.status_code == 200, timeout=60
        )
        await wait_consumers(deployment.broker_url, default_queues())
        after = await submit_all(client, [varied_body(index) for index in range(120, 180)])
        bodies = await wait_terminal(client, before + during + after, timeout=180)
    ledger = accounted(bodies)
    assert ledger.requests == 180
    assert ledger.clean, ledger.summary()
    assert {body["status"] for body in bodies} == {"answered"}
    assert min((await consumers(deployment.broker_url, default_queues())).values()) >= 1


async def test_retries_are_counted_and_permanent_failures_dead_lettered(
    deployment: Deployment,
) -> None:
    """Proof 4: transient failures are retried through the delay tiers; permanent ones and
    exhausted retries end ``failed`` with their reason, in the channel's dead-letter queue."""
    deployment.start_all(channels=[Channel.EUROPOL])
    await deployment.wait_ready([dispatch_queue(Channel.EUROPOL), RESULTS_QUEUE])
    async with http(deployment) as client:
        transient = await submit(client, varied_body(2, reference="stub:retriable=2"))
        permanent = await submit(client, varied_body(8, reference="stub:permanent"))
        exhausted = await submit(client, varied_body(14, reference="stub:retriable=99"))
        answered, refused, gave_up = await wait_terminal(
            client, [transient, permanent, exhausted], timeout=60
        )
    assert answered["status"] == "answered"
    assert answered["dispatches"][0]["attempts"] == 3
    assert refused["status"] == "failed"
    assert refused["dispatches"][0]["error"].startswith("permanent error")
    assert gave_up["status"] == "failed"
    assert "gave up after 5 attempts" in gave_up["dispatches"][0]["error"]
    assert gave_up["dispatches"][0]["attempts"] == 5
    dead = dead_letter_queue(Channel.EUROPOL)
    await eventually(lambda: queue_messages(deployment.broker_url, dead), lambda n: n == 2)
    assert accounted([answered, refused, gave_up]).clean


async def test_sigterm_lets_a_worker_finish_and_acknowledge_its_work(
    deployment: Deployment,
) -> None:
    """Graceful shutdown: stop consuming, finish in-flight work, acknowledge, exit 0."""
    deployment.start_all(channels=[Channel.EUROPOL])
    await deployment.wait_ready([dispatch_queue(Channel.EUROPOL), RESULTS_QUEUE])
    async with http(deployment) as client:
        slow = await submit(client, varied_body(2, reference="stub:slow=1500"))
        await eventually(
            lambda: read(client, slow),
            lambda body: body["dispatches"][0]["status"] == "delivered",
        )
        assert deployment.terminate("worker-europol") == 0
        (body,) = await wait_terminal(client, [slow], timeout=30)
    assert body["status"] == "answered"
    europol = dispatch_queue(Channel.EUROPOL)
    assert await consumers(deployment.broker_url, [europol]) == {europol: 0}
    assert await queue_messages(deployment.broker_url, europol) == 0


async def test_two_relays_and_two_trackers_publish_and_apply_everything_once(
    deployment: Deployment,
) -> None:
    """Proof 5: concurrent relays (SKIP LOCKED) and trackers (inbox): nothing twice, no row
    left behind."""
    deployment.start_all(relays=2, trackers=2)
    await deployment.wait_ready()
    await wait_consumers(deployment.broker_url, [RESULTS_QUEUE], minimum=2)
    async with http(deployment) as client:
        ids = await submit_all(client, [varied_body(index) for index in range(300)])
        bodies = await wait_terminal(client, ids)
    ledger = accounted(bodies)
    assert ledger.clean, ledger.summary()
    assert {body["status"] for body in bodies} == {"answered"}
    engine = create_async_engine(deployment.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT count(*), count(published_at), coalesce(max(attempts), 0)"
                    " FROM outbox_messages"
                )
            )
            total, published, most_attempts = rows.one()
    finally:
        await engine.dispose()
    assert total == sum(len(body["dispatches"]) for body in bodies)
    assert published == total  # no row left behind
    assert most_attempts == 1  # no row published (and marked) twice

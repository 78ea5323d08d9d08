"""Issue 15's proof of conversations, on PostgreSQL and RabbitMQ in separate processes: a
storm of follow-ups to the SIENA partner with its worker killed ``-9`` in the middle of it.
Each follow-up reaches the stub partner exactly once (its receipt is the one we recorded),
each is delivered, and each answer the partner sends back is registered exactly once.

The stub partner keeps its side in files (``OSS_ROUTER_ADAPTER_EUROPOL_PARTNER_DIR``, as in
``test_inbound_proofs.py``): the messages of ours it took in, and what it sent, so that it
outlives the killed worker as a real channel's message store does.
"""

import asyncio
from typing import Any

import httpx
import pytest

from oss_router.broker.topology import INBOUND_QUEUE, RESULTS_QUEUE, dispatch_queue
from oss_router.messages.codes import RECEIVING_CHANNELS, Channel
from tests.support.deployment import Deployment
from tests.support.payloads import request_body
from tests.support.polling import eventually
from tests.system.test_inbound_proofs import database, partner_env, rows, spool, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.rabbitmq]

REQUESTS = 40
DOOMED = Channel.EUROPOL
QUEUES = [INBOUND_QUEUE, RESULTS_QUEUE, *map(dispatch_queue, RECEIVING_CHANNELS)]


def start_pipeline(deployment: Deployment) -> None:
    for role in ("gateway", "relay", "tracker", "registrar"):
        deployment.start(role, role)
    for channel in RECEIVING_CHANNELS:
        start_worker(deployment, f"worker-{channel}", channel, conversing(deployment, channel))


def conversing(deployment: Deployment, channel: Channel) -> dict[str, str]:
    """Every question answered; the partner slow enough that the kill finds messages in
    flight (prefetched, taken in by the partner, or with their results not yet reported)."""
    return partner_env(deployment, channel, message_answer_rate="1", latency_ms="400")


async def answered_requests(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    ids = []
    for _ in range(REQUESTS):
        created = await client.post("/v1/requests", json=request_body(target_countries=["DE"]))
        assert created.status_code == 202, created.text
        ids.append(created.json()["id"])

    async def read_all() -> list[dict[str, Any]]:
        return [(await client.get(f"/v1/requests/{i}")).json() for i in ids]

    return list(
        await eventually(
            read_all,
            lambda found: all(r["dispatches"][0]["status"] == "answered" for r in found),
            timeout=120,
            interval=0.5,
        )
    )


async def follow_up(client: httpx.AsyncClient, request: dict[str, Any]) -> str:
    dispatch = request["dispatches"][0]
    path = f"/v1/requests/{request['id']}/dispatches/{dispatch['id']}/messages"
    sent = await client.post(path, json={"type": "follow_up", "text": "Seen since?"})
    assert sent.status_code == 202, sent.text
    return str(sent.json()["id"])


async def test_a_follow_up_storm_survives_a_killed_worker_exactly_once(
    deployment: Deployment,
) -> None:
    start_pipeline(deployment)
    await deployment.wait_ready(QUEUES)
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=30, headers=deployment.officer_headers
    ) as client:
        requests = await answered_requests(client)
        assert {r["dispatches"][0]["channel"] for r in requests} == {DOOMED.value}
        ours = list(await asyncio.gather(*(follow_up(client, r) for r in requests)))

        async def taken_in() -> int:
            return sum(1 for line in spool(deployment, DOOMED, "messages.jsonl") if line["first"])

        at_kill = await eventually(taken_in, lambda n: n >= 3, timeout=60, interval=0.05)
        deployment.kill(f"worker-{DOOMED}")
        assert at_kill < REQUESTS, "the worker must die in the storm, not after it"
        start_worker(deployment, "worker-successor", DOOMED, conversing(deployment, DOOMED))
        async with database(deployment) as engine:
            delivered = await eventually(
                lambda: rows(
                    engine,
                    "SELECT id, status, partner_message_reference FROM exchange_messages"
                    " WHERE direction = 'outgoing'",
                ),
                lambda found: len(found) == REQUESTS and {m.status for m in found} == {"delivered"},
                timeout=180,
                interval=0.5,
            )
            answers = await eventually(
                lambda: rows(
                    engine,
                    "SELECT answers_id, count(*) AS n FROM exchange_messages"
                    " WHERE direction = 'incoming' GROUP BY answers_id",
                ),
                lambda found: len(found) >= REQUESTS,
                timeout=120,
                interval=0.5,
            )
            await asyncio.sleep(1.0)  # a late redelivery would show as a second row now
            again = await rows(
                engine,
                "SELECT answers_id, count(*) AS n FROM exchange_messages"
                " WHERE direction = 'incoming' GROUP BY answers_id",
            )
            pending = await rows(
                engine,
                "SELECT count(*) AS n FROM exchange_messages WHERE direction = 'outgoing'"
                " AND type = 'follow_up' AND answered_at IS NULL",
            )
    assert {str(m.id) for m in delivered} == set(ours)
    assert sorted(str(a.answers_id) for a in again) == sorted(ours)
    assert {a.n for a in again} == {1}, "an answer registered twice"
    assert len(answers) == REQUESTS
    assert pending[0].n == 0
    first: dict[str, str] = {}
    for line in spool(deployment, DOOMED, "messages.jsonl"):
        if line["first"]:
            assert line["exchange_message_id"] not in first, line  # never taken in twice
            first[line["exchange_message_id"]] = line["receipt"]
    assert set(first) == set(ours)
    for message in delivered:
        assert message.partner_message_reference == first[str(message.id)]
